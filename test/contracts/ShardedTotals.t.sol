// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {ShardedTotals} from "../../contracts/libraries/ShardedTotals.sol";

/// @notice A product with shards as a struct array at slot 0 (as the vault keeps them) and a
/// second, strided set at slot 100 (stride 2), both driven through the library.
contract TotalsHolder {
    struct Pair {
        uint128 low;
        uint128 high;
    }

    Pair[8] internal _pairs; // slots 0..7

    uint256 internal constant STRIDED = 100;

    function add(uint256 stride, uint256 k, uint256 dLow, uint256 dHigh) external {
        ShardedTotals.add(stride == 1 ? 0 : STRIDED, stride, k, dLow, dHigh);
    }

    function sub(uint256 stride, uint256 k, uint256 dLow, uint256 dHigh) external {
        ShardedTotals.sub(stride == 1 ? 0 : STRIDED, stride, k, dLow, dHigh);
    }

    function sum(uint256 stride, uint256 n) external view returns (uint256, uint256) {
        return ShardedTotals.sum(stride == 1 ? 0 : STRIDED, stride, n);
    }

    function load(uint256 stride, uint256 k) external view returns (uint256, uint256) {
        return ShardedTotals.load(stride == 1 ? 0 : STRIDED, stride, k);
    }

    /// The struct's view of shard k (the product's typed access to the same word).
    function pair(uint256 k) external view returns (uint256, uint256) {
        return (_pairs[k].low, _pairs[k].high);
    }

    function setPair(uint256 k, uint128 low, uint128 high) external {
        _pairs[k] = Pair(low, high);
    }
}

/// @notice ShardedTotals: the sum is exact (equals a reference ledger after any sequence of
/// adds and subs), a write touches only its shard's slot, counters stay within 128 bits, and
/// the word layout is Solidity's `struct {uint128; uint128}`.
contract ShardedTotalsTest is TestBase {
    TotalsHolder internal h;

    function setUp() public {
        h = new TotalsHolder();
    }

    function testFuzz_sumIsExact(uint256 seed, uint8 steps, bool strided) public {
        uint256 stride = strided ? 2 : 1;
        uint256 n = 8;
        uint256[8] memory low;
        uint256[8] memory high;
        uint256 totalLow;
        uint256 totalHigh;
        steps = uint8(bound(steps, 1, 40));
        for (uint256 i = 0; i < steps; ++i) {
            seed = uint256(keccak256(abi.encode(seed, i)));
            uint256 k = seed % n;
            uint256 dl = (seed >> 8) % 1e30;
            uint256 dh = (seed >> 128) % 1e30;
            if ((seed >> 250) & 1 == 0 || low[k] < dl || high[k] < dh) {
                h.add(stride, k, dl, dh);
                (low[k], high[k], totalLow, totalHigh) = (low[k] + dl, high[k] + dh, totalLow + dl, totalHigh + dh);
            } else {
                h.sub(stride, k, dl, dh);
                (low[k], high[k], totalLow, totalHigh) = (low[k] - dl, high[k] - dh, totalLow - dl, totalHigh - dh);
            }
        }
        (uint256 sl, uint256 sh) = h.sum(stride, n);
        assertEq(sl, totalLow, "low total");
        assertEq(sh, totalHigh, "high total");
        for (uint256 k = 0; k < n; ++k) {
            (uint256 l, uint256 hi) = h.load(stride, k);
            assertEq(l, low[k], "shard low");
            assertEq(hi, high[k], "shard high");
        }
    }

    /// The conflict argument: a write on shard k reads and writes exactly one slot, base + k * stride.
    function testFuzz_writeTouchesOneSlot(uint256 k, bool strided) public {
        k = bound(k, 0, 7);
        uint256 stride = strided ? 2 : 1;
        uint256 base = strided ? 100 : 0;
        vm.record();
        h.add(stride, k, 1, 2);
        (bytes32[] memory reads, bytes32[] memory writes) = vm.accesses(address(h));
        assertEq(writes.length, 1, "one slot written");
        assertEq(uint256(writes[0]), base + k * stride, "the shard's slot");
        for (uint256 i = 0; i < reads.length; ++i) assertEq(uint256(reads[i]), base + k * stride, "reads only it");
        assertEq(uint256(ShardedTotals.slotOf(base, stride, k)), base + k * stride, "slotOf");
    }

    /// Layout: the struct's first field is the low counter.
    function testFuzz_structLayout(uint256 k, uint128 low, uint128 high) public {
        k = bound(k, 0, 7);
        h.setPair(k, low, high);
        (uint256 l, uint256 hi) = h.load(1, k);
        assertEq(l, low, "first field low");
        assertEq(hi, high, "second field high");
        h.add(1, k, 0, 0);
        (uint256 pl, uint256 ph) = h.pair(k);
        assertEq(pl, low, "struct low unchanged");
        assertEq(ph, high, "struct high unchanged");
    }

    function test_addPast128BitsReverts() public {
        h.add(1, 3, type(uint128).max, 0);
        vm.expectRevert(abi.encodeWithSelector(ShardedTotals.ShardCounterOverflow.selector, 3));
        h.add(1, 3, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(ShardedTotals.ShardCounterOverflow.selector, 4));
        h.add(1, 4, 0, uint256(type(uint128).max) + 1);
    }

    function test_subBelowZeroReverts() public {
        h.add(1, 2, 5, 5);
        vm.expectRevert(abi.encodeWithSelector(ShardedTotals.ShardCounterOverflow.selector, 2));
        h.sub(1, 2, 6, 0);
        vm.expectRevert(abi.encodeWithSelector(ShardedTotals.ShardCounterOverflow.selector, 2));
        h.sub(1, 2, 0, 6);
    }

    function test_sumOfNoShardsIsZero() public view {
        (uint256 l, uint256 hi) = h.sum(1, 0);
        assertEq(l + hi, 0, "empty sum");
    }
}
