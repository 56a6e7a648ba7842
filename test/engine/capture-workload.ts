import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";
import { network } from "hardhat";
import path from "node:path";
import { parseAccessSetFile } from "../../src/access/index.js";
import { WorkloadSource, type TxRequest } from "../../src/capture/rpc.js";
import { captureFile } from "../../src/model/source.js";
import { analyze, checkDeclared } from "../../src/conflicts/index.js";
import { applyAddressBook, ContractBook, loadBuildInfoContracts, matchRuntimeCode } from "../../src/decode/artifacts.js";
import { LayoutDecoder } from "../../src/decode/layout.js";
import { Counter__factory, MockERC20__factory, NestedStore__factory } from "../../typechain-types/index.js";

const { ethers, provider } = await network.create();
const BUILD_INFO = path.join(import.meta.dirname, "..", "..", "artifacts", "build-info");
const coder = AbiCoder.defaultAbiCoder();
const mapSlot = (key: string, slot: bigint, keyType = "address") => keccak256(coder.encode([keyType, "uint256"], [key, slot]));
const low = (s: string) => s.toLowerCase();

describe("capture from a workload on a Hardhat network", function () {
  async function setup() {
    const [deployer, a, b, c] = await ethers.getSigners();
    const counter = await new Counter__factory(deployer).deploy();
    const token = await new MockERC20__factory(deployer).deploy("Mock", "MOCK", 18);
    const store = await new NestedStore__factory(deployer).deploy();
    await (await token.mint(a!.address, 1000n)).wait();
    const book = new ContractBook(await loadBuildInfoContracts(BUILD_INFO));
    return { a: a!, b: b!, c: c!, counter, token, store, book };
  }

  it("records hand-checked read/write sets for Counter.increment, Counter.bump and an ERC-20 transfer", async function () {
    const { a, b, counter, token, book } = await setup();
    const C = low(await counter.getAddress());
    const T = low(await token.getAddress());
    const reqs: TxRequest[] = [
      { from: a.address, to: C, data: counter.interface.encodeFunctionData("increment") },
      { from: b.address, to: C, data: counter.interface.encodeFunctionData("bump") },
      { from: a.address, to: T, data: token.interface.encodeFunctionData("transfer", [b.address, 10n]) },
      { from: b.address, to: C, data: counter.interface.encodeFunctionData("increment") },
    ];
    const file = await captureFile(new WorkloadSource(provider, reqs, { description: "test", book }));
    parseAccessSetFile(file); // valid
    expect(file.blocks).to.have.length(1);
    const [blk] = file.blocks;
    const [inc, bump, transfer, inc2] = blk!.txs;
    const slot0 = "0x" + "0".repeat(64);
    expect(inc!.storage).to.deep.equal({ reads: [[C, slot0]], writes: [[C, slot0]] });
    expect(inc!.function).to.equal("Counter.increment");
    expect(inc!.accounts.writes).to.deep.include.members([
      [low(a.address), "balance"],
      [low(a.address), "nonce"],
      [blk!.coinbase, "balance"],
    ]);
    expect(inc!.accounts.reads).to.deep.include.members([
      [C, "code"],
      [low(a.address), "balance"],
    ]);
    const userSlot = mapSlot(b.address, 1n);
    expect(bump!.storage).to.deep.equal({ reads: [[C, userSlot]], writes: [[C, userSlot]] });
    const balA = mapSlot(a.address, 0n);
    const balB = mapSlot(b.address, 0n);
    const sorted = [
      [T, balA],
      [T, balB],
    ].sort((x, y) => (x[1] < y[1] ? -1 : 1));
    expect(transfer!.storage).to.deep.equal({ reads: sorted, writes: sorted });
    expect(transfer!.function).to.equal("MockERC20.transfer");
    expect(inc2!.index).to.equal(3);

    // Declared lists were fetched before mining; the ERC-20 does not declare.
    expect(inc!.declared).to.deep.equal({ reads: [], writes: [[C, slot0]] });
    expect(bump!.declared).to.deep.equal({ reads: [], writes: [[C, userSlot]] });
    expect(transfer!.declared).to.equal(undefined);
    expect(checkDeclared(file).ok).to.equal(true);

    // Names: bytecode matched, mapping keys recovered.
    expect(file.names!.accounts![C]).to.equal("Counter");
    expect(file.names!.slots![`${C}:${slot0}`]).to.equal("Counter.count");
    expect(file.names!.slots![`${C}:${userSlot}`]).to.equal(`Counter.perUser[${low(b.address)}]`);
    expect(file.names!.slots![`${T}:${balA}`]).to.equal(`MockERC20._balances[${low(a.address)}]`);

    // The analysis sees increment x increment on Counter.count.
    const { result } = analyze(file);
    const cell = result.matrix.find((m) => m.earlier === "Counter.increment" && m.later === "Counter.increment");
    expect(cell?.on[0]).to.deep.equal({ kind: "write-write", variable: "Counter.count", edges: 1 });
  });

  it("records a write of an unchanged value as a read only", async function () {
    const { a, token, book } = await setup();
    const T = low(await token.getAddress());
    // A zero-amount self-transfer stores a's balance back unchanged.
    const reqs = [{ from: a.address, to: T, data: token.interface.encodeFunctionData("transfer", [a.address, 0n]) }];
    const file = await captureFile(new WorkloadSource(provider, reqs, { description: "noop", book, declared: false }));
    const t = file.blocks[0].txs[0];
    expect(t.storage.reads).to.deep.equal([[T, mapSlot(a.address, 0n)]]);
    expect(t.storage.writes).to.deep.equal([]);
  });

  it("splits a workload into blocks of blockSize", async function () {
    const { a, b, c, counter, book } = await setup();
    const C = await counter.getAddress();
    const reqs = [a, b, c].map((s) => ({ from: s.address, to: C, data: counter.interface.encodeFunctionData("bump") }));
    const file = await captureFile(new WorkloadSource(provider, reqs, { description: "split", blockSize: 2, book }));
    expect(file.blocks.map((b) => b.txs.length)).to.deep.equal([2, 1]);
    expect(file.blocks[1].number).to.equal(file.blocks[0].number + 1);
  });
});

describe("capture methods: prestate traces and re-execution", function () {
  /** Runs `reqs` into the same block twice (state and timestamp reset between), once per method. */
  async function captureBoth(reqs: TxRequest[]) {
    const snapshot = (await provider.request({ method: "evm_snapshot", params: [] })) as string;
    const latest = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string };
    const timestamp = Number(BigInt(latest.timestamp)) + 100;
    const run = async (method: "trace" | "reexec") => {
      await provider.request({ method: "evm_setNextBlockTimestamp", params: [timestamp] });
      const book = new ContractBook(await loadBuildInfoContracts(BUILD_INFO));
      return captureFile(new WorkloadSource(provider, reqs, { description: "mixed", book, method }));
    };
    const traced = await run("trace");
    await provider.request({ method: "evm_revert", params: [snapshot] });
    const reexecuted = await run("reexec");
    return { traced, reexecuted };
  }

  it("agree slot for slot and account for account on a mixed block, names included", async function () {
    const [deployer, a, b, c] = await ethers.getSigners();
    const counter = await new Counter__factory(deployer!).deploy();
    const token = await new MockERC20__factory(deployer!).deploy("Mock", "MOCK", 18);
    const store = await new NestedStore__factory(deployer!).deploy();
    await (await token.mint(a!.address, 1000n)).wait();
    const [C, T, S] = [await counter.getAddress(), await token.getAddress(), await store.getAddress()];
    const fresh = "0x" + "5a".repeat(20);
    const reqs: TxRequest[] = [
      { from: a!.address, to: C, data: counter.interface.encodeFunctionData("increment") },
      { from: b!.address, to: C, data: counter.interface.encodeFunctionData("bump") },
      { from: a!.address, to: T, data: token.interface.encodeFunctionData("transfer", [b!.address, 10n]) },
      // Reverts (b holds only what a just sent): reads, no storage writes, gas still paid.
      { from: b!.address, to: T, data: token.interface.encodeFunctionData("transfer", [c!.address, 10_000n]), gas: 100_000n },
      { from: c!.address, to: S, data: store.interface.encodeFunctionData("put", [7n, 5n]) },
      // A plain transfer creating an account, and a contract creation.
      { from: c!.address, to: fresh, value: 1n },
      { from: b!.address, data: Counter__factory.bytecode, gas: 500_000n },
      { from: a!.address, to: C, data: counter.interface.encodeFunctionData("increment") },
      { from: b!.address, to: T, data: token.interface.encodeFunctionData("transfer", [b!.address, 0n]) },
    ];
    const { traced, reexecuted } = await captureBoth(reqs);
    const txs = traced.blocks[0].txs;
    expect(txs).to.have.length(reqs.length);
    expect(txs[3].status).to.equal("reverted");
    expect(txs[6].to).to.equal(null);
    // The same block both times (same hash), so the whole files must be equal.
    expect(reexecuted.blocks[0].hash).to.equal(traced.blocks[0].hash);
    for (const [i, t] of txs.entries()) {
      const r = reexecuted.blocks[0].txs[i];
      expect(r.storage, `storage of tx ${i}`).to.deep.equal(t.storage);
      expect(r.accounts, `accounts of tx ${i}`).to.deep.equal(t.accounts);
    }
    expect(reexecuted).to.deep.equal(traced);
    expect(Object.keys(traced.names?.slots ?? {}).length).to.be.greaterThan(5);
  });
});

describe("capture method choice and failure", function () {
  it("re-executes by default on an in-process network, traces elsewhere, and rejects unknown methods", async function () {
    const { captureMethod } = await import("../../src/capture/requests.js");
    expect(captureMethod("auto", { type: "edr-simulated", hardfork: "prague" }, "default")).to.deep.equal({
      method: "reexec",
      hardfork: "prague",
    });
    expect(captureMethod("auto", { type: "http" }, "remote")).to.deep.equal({ method: "trace" });
    expect(captureMethod("trace", { type: "edr-simulated", hardfork: "cancun" }, "default")).to.deep.equal({ method: "trace" });
    expect(captureMethod("reexec", { type: "http" }, "remote")).to.deep.equal({ method: "reexec" });
    expect(() => captureMethod("fast", { type: "http" }, "remote")).to.throw(/--method must be auto, reexec or trace \(got fast\)/);
  });

  it("says why re-execution failed and names --method trace (impersonated sender, no valid signature)", async function () {
    const [deployer] = await ethers.getSigners();
    const counter = await new Counter__factory(deployer!).deploy();
    const ghost = "0x" + "7e".repeat(20);
    await provider.request({ method: "hardhat_impersonateAccount", params: [ghost] });
    await provider.request({ method: "hardhat_setBalance", params: [ghost, "0x56bc75e2d63100000"] });
    const reqs: TxRequest[] = [
      { from: ghost, to: await counter.getAddress(), data: counter.interface.encodeFunctionData("increment"), gas: 100_000n },
    ];
    let error: Error | undefined;
    try {
      await captureFile(new WorkloadSource(provider, reqs, { description: "ghost", declared: false, method: "reexec" }));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/capture by re-execution failed on block \d+/);
    expect(error?.message).to.match(/impersonated senders have none\); capture with --method trace instead/);
    // The trace method captures the same transactions.
    const file = await captureFile(new WorkloadSource(provider, reqs, { description: "ghost", declared: false, method: "trace" }));
    expect(file.blocks[0].txs[0].from).to.equal(ghost);
  });
});

describe("slot decoding from the storage layout", function () {
  it("decodes nested mappings of structs from KECCAK256 preimages in the trace", async function () {
    const [, a] = await ethers.getSigners();
    const store = await new NestedStore__factory(a!).deploy();
    const S = low(await store.getAddress());
    const book = new ContractBook(await loadBuildInfoContracts(BUILD_INFO));
    const reqs = [{ from: a!.address, to: S, data: store.interface.encodeFunctionData("put", [7n, 5n]) }];
    const file = await captureFile(new WorkloadSource(provider, reqs, { description: "nested", book, declared: false }));
    const inner = mapSlot(a!.address, 1n);
    const entry = BigInt(keccak256(coder.encode(["uint256", "uint256"], [7n, inner])));
    const hex = (x: bigint) => "0x" + x.toString(16).padStart(64, "0");
    const names = file.names!.slots!;
    const A = low(a!.address);
    expect(names[`${S}:${hex(0n)}`]).to.equal("NestedStore.total");
    expect(names[`${S}:${hex(entry)}`]).to.equal(`NestedStore.positions[${A}][7].amount`);
    expect(names[`${S}:${hex(entry + 1n)}`]).to.equal(`NestedStore.positions[${A}][7].{owner,flags}`);
    expect(names[`${S}:${hex(2n)}`]).to.equal("NestedStore.last.amount");
    expect(names[`${S}:${hex(3n)}`]).to.equal("NestedStore.last.{owner,flags}");
    expect(file.blocks[0].txs[0].storage.writes).to.have.length(5);
    expect(file.blocks[0].txs[0].function).to.equal("NestedStore.put");
  });

  it("decodes address-keyed mappings from candidate keys alone, and leaves unexplained slots raw", async function () {
    const contracts = await loadBuildInfoContracts(BUILD_INFO);
    const store = contracts.find((c) => c.name === "NestedStore")!;
    const token = contracts.find((c) => c.name === "MockERC20")!;
    const user = "0x" + "12".repeat(20);
    const pre = new Map<string, string>();
    const dec = new LayoutDecoder("Token", token.layout!);
    dec.addCandidateKeys([user], pre);
    expect(dec.decode(mapSlot(user, 0n), pre)).to.equal(`Token._balances[${user}]`);
    // allowance: mapping(address => mapping(address => uint256)) at slot 1, both keys candidates.
    const spender = "0x" + "34".repeat(20);
    dec.addCandidateKeys([user, spender], pre);
    const allowance = keccak256(coder.encode(["address", "uint256"], [spender, mapSlot(user, 1n)]));
    expect(dec.decode(allowance, pre)).to.equal(`Token._allowances[${user}][${spender}]`);
    // A uint-keyed inner mapping cannot be guessed from addresses: the slot stays raw (null).
    const nested = new LayoutDecoder("NestedStore", store.layout!);
    const p2 = new Map<string, string>();
    nested.addCandidateKeys([user], p2);
    const entry = keccak256(coder.encode(["uint256", "bytes32"], [7n, mapSlot(user, 1n)]));
    expect(nested.decode(entry, p2)).to.equal(null);
    expect(nested.decode("0x" + "ff".repeat(32), p2)).to.equal(null);
  });

  it("takes an address book for contracts not matched by code, and rejects unknown names", async function () {
    const book = new ContractBook(await loadBuildInfoContracts(BUILD_INFO));
    const addr = "0x" + "ab".repeat(20);
    applyAddressBook(book, { [addr]: { contract: "Counter", label: "Counter A" } }, "book.json");
    expect(book.label(addr)).to.equal("Counter A");
    expect(book.functionName(addr, "0xd09de08a")).to.equal("Counter A.increment");
    expect(book.decodeSlot(addr, "0x" + "0".repeat(64), new Map())).to.equal("Counter A.count");
    expect(() => applyAddressBook(book, { [addr]: "NoSuchContract" }, "book.json")).to.throw(/no compiled contract named NoSuchContract/);
    expect(() => applyAddressBook(book, { nope: "Counter" }, "book.json")).to.throw(/book\.json: key nope is not an address/);
  });

  it("maps deployed code to its artifact, ignoring the metadata hash", async function () {
    const [d] = await ethers.getSigners();
    const counter = await new Counter__factory(d!).deploy();
    const contracts = await loadBuildInfoContracts(BUILD_INFO);
    const code = await ethers.provider.getCode(await counter.getAddress());
    expect(matchRuntimeCode(code, contracts)?.name).to.equal("Counter");
    // A different metadata hash (same code otherwise) still matches; other code does not.
    const tweaked = code.slice(0, -90) + "00".repeat(10) + code.slice(-70);
    expect(matchRuntimeCode(tweaked, contracts)?.name).to.equal("Counter");
    expect(matchRuntimeCode("0x6000", contracts)).to.equal(undefined);
  });
});
