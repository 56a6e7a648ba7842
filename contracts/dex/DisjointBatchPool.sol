// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyLockTransient} from "../libraries/ReentrancyLockTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {SwapMath} from "../libraries/SwapMath.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";
import {TokenSlots} from "../tokens/TokenSlots.sol";
import {AccessList} from "../libraries/AccessList.sol";
import {EscrowShards} from "../libraries/EscrowShards.sol";
import {AccountShard} from "../libraries/AccountShard.sol";
import {DexStorageLib} from "./libraries/DexStorageLib.sol";

/// @title DisjointBatchPool
/// @notice A constant-product pool of one token pair that trades only in per-block batches.
/// Orders of block N (batch N) are escrowed per shard of traders; after block N anyone settles
/// the batch once, against the pool's whole depth, at one clearing price: the two directions
/// net against each other and only the imbalance trades along the curve, with V2's 0.30% fee
/// on the imbalance. Every fill is within its order's limit, or the order is refunded in full.
/// There is no atomic swap: nothing can trade against the reserves between a batch's orders
/// and its settlement, and liquidity can only move while no batch is pending.
/// @dev Storage layout (fixed; `declareAccess` and docs/dex.md rely on it): named, with the
/// derivations, in `DexStorageLib` (the POOL_* constants and pool* getters). A trader's shard
/// is `AccountShard.shardOf(trader, SHARDS)`; its escrows are ShardEscrow contracts (EscrowShards).
contract DisjointBatchPool is IAccessDeclaring, ReentrancyLockTransient {
    using SafeERC20 for IERC20;
    using AccessList for AccessList.Builder;
    using TokenSlots for TokenSlots.Layout;

    /// @notice An order names a batch other than the current block.
    error WrongBatch(uint256 batch, uint256 current);
    /// @notice The trader already has an order in this batch.
    error OrderExists();
    /// @notice Zero or too large (above 2**112 - 1) an amount.
    error BadAmount();
    /// @notice The batch's block has not ended yet.
    error TooEarly();
    /// @notice The settlement window of the batch has passed (its orders are refunded).
    error Expired();
    /// @notice The batch is settled already, or a later batch is.
    error AlreadySettled();
    /// @notice An earlier batch with orders is neither settled nor expired.
    error EarlierBatchPending(uint256 batch);
    /// @notice The batch has no orders.
    error NoOrders();
    /// @notice The settlement's order lists do not match the batch (count, shard, order or duplicate).
    error BadOrderList(uint256 shard);
    /// @notice A batch has orders that are neither settled nor expired: liquidity cannot move.
    error BatchPending(uint256 batch);
    /// @notice The order is neither settled nor expired, or it does not exist.
    error NotClaimable();
    /// @notice More shares burned than the sender holds.
    error InsufficientShares();
    /// @notice Fewer shares or tokens than the caller's minimum.
    error Slippage();
    /// @notice The pool has no liquidity.
    error NoLiquidity();
    /// @notice A reserve would not fit in 112 bits.
    error Overflow();
    /// @notice `declareAccess` was asked about a selector this contract does not declare.
    error UnknownSelector(bytes4 selector);
    /// @notice Constructor arguments out of range.
    error BadConfig();
    /// @notice The caller is not an operator of the trader it submits for.
    error NotOperator();

    /// @notice An order joined a batch.
    /// The batch is the log's block number (an order joins its own block's batch only).
    event OrderSubmitted(address indexed trader, bool zeroForOne, uint256 amountIn, uint256 minOut);
    /// @notice A batch was settled: `in0`/`in1` filled input, `pot1`/`pot0` what they receive.
    event BatchSettled(uint256 indexed batch, uint256 in0, uint256 in1, uint256 pot0, uint256 pot1, uint256 excluded);
    /// @notice `trader` allowed (or stopped allowing) `operator` to submit orders for it.
    event OperatorSet(address indexed trader, address indexed operator, bool allowed);
    /// @notice Liquidity was added.
    event Mint(address indexed sender, address indexed to, uint256 amount0, uint256 amount1, uint256 shares);
    /// @notice Liquidity was removed.
    event Burn(address indexed sender, address indexed to, uint256 amount0, uint256 amount1, uint256 shares);

    /// @notice One order. `flags` bit 0: sells token1 (else token0); bit 1: excluded at settlement.
    struct Order {
        uint112 amountIn;
        uint112 minOut;
        uint8 flags;
    }

    /// @notice One shard's part of one batch.
    struct ShardBatch {
        uint32 count;
        uint112 sum0;
        uint112 sum1;
    }

    /// @notice A settled batch: the filled inputs and what they are paid from.
    struct Result {
        uint112 pot1; // token1 shared pro rata by the filled sellers of token0
        uint112 in0; // their filled input
        uint8 status; // 1 once settled
        uint112 pot0; // token0 shared pro rata by the filled sellers of token1
        uint112 in1; // their filled input
    }

    uint8 private constant SELLS_TOKEN1 = 1;
    uint8 private constant EXCLUDED = 2;
    /// @notice Shares locked at the first mint, as V2's MINIMUM_LIQUIDITY.
    uint256 public constant MINIMUM_SHARES = 1000;
    /// @notice Exclusion rounds before a settlement gives up and refunds the whole batch.
    uint256 public constant MAX_ROUNDS = 16;

    /// @notice The pool's token0 (lower address).
    address public immutable token0;
    /// @notice The pool's token1.
    address public immutable token1;
    /// @notice Number of trader shards (each with its own escrow and batch sums).
    uint256 public immutable SHARDS;
    /// @notice Blocks after a batch's block in which it can be settled; after that it is refunded.
    uint256 public immutable SETTLE_WINDOW;
    /// @notice Token layouts for `declareAccess` (zero: tokens declared whole).
    ITokenLayoutRegistry public immutable tokenLayouts;

    uint112 private _reserve0; // slot 0
    uint112 private _reserve1; // slot 0
    /// @notice Total liquidity shares (slot 1).
    uint256 public totalShares;
    /// @notice Liquidity shares per holder (slot 2); not transferable.
    mapping(address holder => uint256) public shares;
    /// @notice The latest batch that received an order (slot 3; written by its first order).
    uint256 public lastOrderBatch;
    /// @notice The latest settled batch (slot 4).
    uint256 public lastSettled;
    /// @notice For each batch with orders, the batch with orders before it (slot 5).
    mapping(uint256 batch => uint256) public prevOrderBatch;
    mapping(uint256 batch => mapping(address trader => Order)) private _orders; // slot 6
    mapping(uint256 batch => mapping(uint256 shard => ShardBatch)) private _shardBatches; // slot 7
    mapping(uint256 batch => Result) private _results; // slot 8
    /// @notice Whether `operator` (e.g. DisjointRouter) may submit orders for `trader`, paid
    /// from the trader's tokens (slot 9).
    mapping(address trader => mapping(address operator => bool)) public isOperator;

    /// @param tokenA One token of the pair.
    /// @param tokenB The other token.
    /// @param shards Trader shards, 1 to 128 (each with two escrows, for even and odd batches).
    /// @param settleWindow Blocks in which a batch can be settled, at least 1.
    /// @param layouts Token layout registry for declarations (zero for none).
    constructor(address tokenA, address tokenB, uint256 shards, uint256 settleWindow, ITokenLayoutRegistry layouts) {
        if (tokenA == tokenB || tokenA == address(0) || tokenB == address(0)) revert BadConfig();
        if (shards == 0 || shards > 128 || settleWindow == 0) revert BadConfig();
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        SHARDS = shards;
        SETTLE_WINDOW = settleWindow;
        tokenLayouts = layouts;
        // Escrow i is this pool's CREATE child at nonce i + 1 (the pool creates nothing else).
        for (uint256 s = 0; s < 2 * shards; ++s) EscrowShards.deploy(s + 1, IERC20(token0), IERC20(token1));
    }

    // ------------------------------------------------------------------ views

    /// @notice The reserves (the pool's own tokens; the escrows hold the orders').
    /// @return reserve0 Reserve of token0.
    /// @return reserve1 Reserve of token1.
    function getReserves() public view returns (uint112 reserve0, uint112 reserve1) {
        return (_reserve0, _reserve1);
    }

    /// @notice The shard of a trader.
    /// @param trader The trader.
    /// @return The shard index.
    function shardOf(address trader) public view returns (uint256) {
        return AccountShard.shardOf(trader, SHARDS);
    }

    /// @notice Escrow number `index` (the CREATE child at nonce index + 1; no storage read). Shard s keeps the
    /// orders of even batches in escrow s and of odd batches in escrow SHARDS + s, so that a
    /// settlement (which moves tokens in the escrows of its batch) and the next block's orders
    /// (which pay into the other ones) touch no common token balance.
    /// @param index 0 to 2 * SHARDS - 1.
    /// @return The escrow's address.
    function escrowOf(uint256 index) public view returns (address) {
        unchecked {
            return EscrowShards.addressOf(index + 1); // index < 2 * SHARDS <= 256
        }
    }

    /// @notice The escrow of `shard` for the orders of `batch`.
    /// @param batch The batch.
    /// @param shard The shard.
    /// @return The escrow's address.
    function escrowFor(uint256 batch, uint256 shard) public view returns (address) {
        unchecked {
            return EscrowShards.addressOf(shard + SHARDS * (batch & 1) + 1); // escrowOf, one call less
        }
    }

    /// @notice A trader's order in a batch.
    /// @param batch The batch.
    /// @param trader The trader.
    /// @return amountIn Its input (zero: none, or claimed).
    /// @return minOut Its limit: the least output it accepts.
    /// @return sellsToken1 Whether it sells token1 for token0.
    /// @return excluded Whether settlement excluded it (refunded).
    function orderOf(
        uint256 batch,
        address trader
    ) external view returns (uint256 amountIn, uint256 minOut, bool sellsToken1, bool excluded) {
        Order memory o = _orders[batch][trader];
        return (o.amountIn, o.minOut, o.flags & SELLS_TOKEN1 != 0, o.flags & EXCLUDED != 0);
    }

    /// @notice One shard's part of a batch.
    /// @param batch The batch.
    /// @param shard The shard.
    /// @return count Orders.
    /// @return sum0 Token0 offered.
    /// @return sum1 Token1 offered.
    function shardBatch(
        uint256 batch,
        uint256 shard
    ) external view returns (uint256 count, uint256 sum0, uint256 sum1) {
        ShardBatch memory sb = _shardBatches[batch][shard];
        return (sb.count, sb.sum0, sb.sum1);
    }

    /// @notice A batch's settlement (all zero before it).
    /// @param batch The batch.
    /// @return settled Whether it is settled.
    /// @return in0 Filled token0 input.
    /// @return in1 Filled token1 input.
    /// @return pot0 Token0 paid to the filled sellers of token1.
    /// @return pot1 Token1 paid to the filled sellers of token0.
    function resultOf(
        uint256 batch
    ) external view returns (bool settled, uint256 in0, uint256 in1, uint256 pot0, uint256 pot1) {
        Result memory r = _results[batch];
        return (r.status == 1, r.in0, r.in1, r.pot0, r.pot1);
    }

    /// @notice The batch's clearing so far, if it were settled now with no order excluded.
    /// @param batch The batch.
    /// @return in0 Token0 offered.
    /// @return in1 Token1 offered.
    /// @return pot0 Token0 the sellers of token1 would share.
    /// @return pot1 Token1 the sellers of token0 would share.
    function quote(uint256 batch) external view returns (uint256 in0, uint256 in1, uint256 pot0, uint256 pot1) {
        for (uint256 s = 0; s < SHARDS; ++s) {
            ShardBatch memory sb = _shardBatches[batch][s];
            in0 += sb.sum0;
            in1 += sb.sum1;
        }
        (pot0, pot1) = clearing(_reserve0, _reserve1, in0, in1);
    }

    /// @notice The clearing rule: with offers `in0` of token0 and `in1` of token1 against
    /// reserves `r0`, `r1`, what each side receives. If the sellers of token0 are in excess at
    /// the pool's fee-adjusted price, the pool buys the excess d0 at V2's 0.30% fee, with d0
    /// chosen so that both sides trade at one price p = pot1 / in0 = in1 / pot0 (token1 per
    /// token0): d0 = (0.997 r1 in0 - r0 in1) / (0.997 (r1 + in1)), rounded down; symmetric
    /// for token1. Between the two thresholds (the flows balance within the fee) the pool does
    /// not trade and the sides swap their offers (p = in1 / in0). Amounts round down.
    /// @param r0 Reserve of token0.
    /// @param r1 Reserve of token1.
    /// @param in0 Token0 offered.
    /// @param in1 Token1 offered.
    /// @return pot0 Token0 for the sellers of token1.
    /// @return pot1 Token1 for the sellers of token0.
    function clearing(
        uint256 r0,
        uint256 r1,
        uint256 in0,
        uint256 in1
    ) public pure returns (uint256 pot0, uint256 pot1) {
        uint256 a = 997 * r1 * in0;
        uint256 b = 1000 * r0 * in1;
        if (a > b) {
            uint256 d0 = (a - b) / (997 * (r1 + in1));
            uint256 out1 = d0 == 0 ? 0 : SwapMath.getAmountOut(d0, r0, r1);
            return (in0 - d0, in1 + out1);
        }
        a = 997 * r0 * in1;
        b = 1000 * r1 * in0;
        if (a > b) {
            uint256 d1 = (a - b) / (997 * (r0 + in0));
            uint256 out0 = d1 == 0 ? 0 : SwapMath.getAmountOut(d1, r1, r0);
            return (in0 + out0, in1 - d1);
        }
        return (in0, in1);
    }

    // ------------------------------------------------------------------ orders

    /// @notice Joins the current block's batch: escrows `amountIn` in the sender's shard.
    /// @dev Writes the sender's order, its shard's batch sums and its shard escrow's balance;
    /// the first order of a block also records the batch (`lastOrderBatch`, `prevOrderBatch`:
    /// per-block snapshots, values fixed by the state before the block and the block number).
    /// Only a shard's first order of the batch reads `lastOrderBatch` (a later one knows the
    /// batch is recorded: its shard's count is not zero), which spares the others a cold read.
    /// @param batch The current block number (an order included in another block reverts).
    /// @param zeroForOne True to sell token0 for token1, false to sell token1 for token0.
    /// @param amountIn Input, taken from the sender (allowance to this pool).
    /// @param minOut Limit: the least output accepted; otherwise the order is refunded in full.
    function submit(uint256 batch, bool zeroForOne, uint256 amountIn, uint256 minOut) external nonReentrant {
        _submit(msg.sender, batch, zeroForOne, amountIn, minOut);
    }

    /// @notice `submit` for `trader` by one of its operators (a router): the order is the
    /// trader's, its input is taken from the trader (its allowance to this pool), and claims
    /// pay the trader. Writes what `submit` writes and reads the operator flag.
    /// @param trader The trader, who allowed the caller by `setOperator`.
    /// @param batch The current block number.
    /// @param zeroForOne True to sell token0 for token1, false to sell token1 for token0.
    /// @param amountIn Input, taken from the trader.
    /// @param minOut Limit: the least output accepted; otherwise the order is refunded in full.
    function submitFor(
        address trader,
        uint256 batch,
        bool zeroForOne,
        uint256 amountIn,
        uint256 minOut
    ) external nonReentrant {
        if (!isOperator[trader][msg.sender]) revert NotOperator();
        _submit(trader, batch, zeroForOne, amountIn, minOut);
    }

    /// @notice Allows (or stops allowing) `operator` to submit orders for the sender.
    /// @param operator The operator, e.g. DisjointRouter.
    /// @param allowed Whether it may.
    function setOperator(address operator, bool allowed) external {
        isOperator[msg.sender][operator] = allowed;
        emit OperatorSet(msg.sender, operator, allowed);
    }

    function _submit(address trader, uint256 batch, bool zeroForOne, uint256 amountIn, uint256 minOut) private {
        if (batch != block.number) revert WrongBatch(batch, block.number);
        if (amountIn == 0 || amountIn > type(uint112).max || minOut > type(uint112).max) revert BadAmount();
        Order storage o = _orders[batch][trader];
        if (o.amountIn != 0) revert OrderExists();
        uint256 shard = AccountShard.shardOf(trader, SHARDS);
        ShardBatch memory sb = _shardBatches[batch][shard];
        if (sb.count == 0) {
            uint256 last = lastOrderBatch;
            if (last != batch) {
                prevOrderBatch[batch] = last;
                lastOrderBatch = batch;
            }
        }
        _orders[batch][trader] = Order(uint112(amountIn), uint112(minOut), zeroForOne ? 0 : SELLS_TOKEN1);
        uint256 sum0 = sb.sum0;
        uint256 sum1 = sb.sum1;
        if (zeroForOne) sum0 += amountIn;
        else sum1 += amountIn;
        if (sum0 > type(uint112).max || sum1 > type(uint112).max) revert BadAmount();
        _shardBatches[batch][shard] = ShardBatch(sb.count + 1, uint112(sum0), uint112(sum1));
        emit OrderSubmitted(trader, zeroForOne, amountIn, minOut);
        IERC20(zeroForOne ? token0 : token1).safeTransferFrom(trader, escrowFor(batch, shard), amountIn);
    }

    /// @dev Orders of a batch loaded for settlement.
    struct Book {
        address[] traders;
        uint256[] amountIn;
        uint256[] minOut;
        uint8[] flags;
        uint256[] shard;
        uint256 in0; // token0 offered by all the orders
        uint256 in1; // token1 offered by all the orders
        bool limits; // some order has a limit (minOut > 0)
    }

    /// @notice Settles a batch after its block, once, at one clearing price.
    /// @dev Limits (the rule, in docs/dex.md): start with every order; compute the clearing
    /// from the included offers; exclude every included order whose fill would be below its
    /// limit; repeat until none is, at most MAX_ROUNDS times (then the whole batch is refunded).
    /// Each round excludes at least one order and none comes back, so it ends; which orders are
    /// excluded depends only on the set of orders, never on their order or on who settles.
    /// Then moves, per shard, the difference between its filled inputs and its fills between the
    /// pool and the shard's escrow, and writes the reserves once.
    /// @param batch The batch (a block number before the current one, within SETTLE_WINDOW).
    /// @param shardOrders For each shard, its traders in this batch, in ascending address order.
    function settle(uint256 batch, address[][] calldata shardOrders) external nonReentrant {
        if (block.number <= batch) revert TooEarly();
        if (block.number > batch + SETTLE_WINDOW) revert Expired();
        if (batch <= lastSettled) revert AlreadySettled();
        uint256 prev = prevOrderBatch[batch];
        if (prev > lastSettled && block.number <= prev + SETTLE_WINDOW) revert EarlierBatchPending(prev);
        Book memory book = _loadBook(batch, shardOrders);
        (uint256 r0, uint256 r1) = getReserves();
        if (r0 == 0 || r1 == 0) revert NoLiquidity();
        (Result memory res, uint256 excluded) = _clear(book, r0, r1);
        res.status = 1;
        _results[batch] = res;
        lastSettled = batch;
        if (excluded != 0) {
            for (uint256 i = 0; i < book.traders.length; ++i) {
                if (book.flags[i] & EXCLUDED != 0) _orders[batch][book.traders[i]].flags = book.flags[i];
            }
        }
        (r0, r1) = _moveShards(batch, book, res, r0, r1);
        _reserve0 = uint112(r0);
        _reserve1 = uint112(r1);
        emit BatchSettled(batch, res.in0, res.in1, res.pot0, res.pot1, excluded);
    }

    /// @dev Reads every order named by `shardOrders` and checks the lists are exactly the batch's.
    function _loadBook(uint256 batch, address[][] calldata shardOrders) private view returns (Book memory book) {
        if (shardOrders.length != SHARDS) revert BadOrderList(shardOrders.length);
        uint256 n;
        for (uint256 s = 0; s < SHARDS; ++s) {
            if (shardOrders[s].length != _shardBatches[batch][s].count) revert BadOrderList(s);
            n += shardOrders[s].length;
        }
        if (n == 0) revert NoOrders();
        book.traders = new address[](n);
        book.amountIn = new uint256[](n);
        book.minOut = new uint256[](n);
        book.flags = new uint8[](n);
        book.shard = new uint256[](n);
        uint256 k;
        for (uint256 s = 0; s < SHARDS; ++s) {
            address[] calldata list = shardOrders[s];
            address prevTrader;
            for (uint256 j = 0; j < list.length; ++j) {
                address t = list[j];
                // Ascending addresses: no trader twice; the shard's count then makes the list whole.
                if (t <= prevTrader || AccountShard.shardOf(t, SHARDS) != s) revert BadOrderList(s);
                prevTrader = t;
                Order memory o = _orders[batch][t];
                if (o.amountIn == 0) revert BadOrderList(s);
                book.traders[k] = t;
                book.amountIn[k] = o.amountIn;
                book.minOut[k] = o.minOut;
                book.flags[k] = o.flags;
                book.shard[k] = s;
                if (o.flags & SELLS_TOKEN1 == 0) book.in0 += o.amountIn;
                else book.in1 += o.amountIn;
                if (o.minOut != 0) book.limits = true;
                ++k;
            }
        }
    }

    /// @dev The exclusion rounds (see `settle`); marks excluded orders in `book.flags` and
    /// returns how many. A book without limits excludes nothing: no round runs.
    function _clear(
        Book memory book,
        uint256 r0,
        uint256 r1
    ) private pure returns (Result memory res, uint256 excluded) {
        (uint256 in0, uint256 in1) = (book.in0, book.in1);
        for (uint256 round = 0; ; ++round) {
            (uint256 pot0, uint256 pot1) = clearing(r0, r1, in0, in1);
            uint256 out0;
            uint256 out1;
            if (book.limits) {
                uint256 count;
                (out0, out1, count) = _excludeBelowLimit(book, [in0, in1], [pot0, pot1], round == MAX_ROUNDS);
                excluded += count;
            }
            if (out0 == 0 && out1 == 0) {
                return (Result(uint112(pot1), uint112(in0), 0, uint112(pot0), uint112(in1)), excluded);
            }
            in0 -= out0;
            in1 -= out1;
        }
    }

    /// @dev One round: marks every included order whose fill would be below its limit (all of
    /// them when `all`) and returns the input that leaves, per token, and how many orders left.
    function _excludeBelowLimit(
        Book memory book,
        uint256[2] memory ins,
        uint256[2] memory pots,
        bool all
    ) private pure returns (uint256 out0, uint256 out1, uint256 count) {
        for (uint256 i = 0; i < book.traders.length; ++i) {
            uint8 f = book.flags[i];
            if (f & EXCLUDED != 0) continue;
            // Fill = amountIn * pot / in, rounded down; below the limit iff amountIn * pot < minOut * in.
            uint256 side = f & SELLS_TOKEN1; // 0: sells token0, paid from pot1
            if (all || book.amountIn[i] * pots[1 - side] < book.minOut[i] * ins[side]) {
                book.flags[i] = f | EXCLUDED;
                ++count;
                if (side == 0) out0 += book.amountIn[i];
                else out1 += book.amountIn[i];
            }
        }
    }

    /// @dev Per shard: the filled inputs go to the pool, the fills to the escrow, netted per
    /// token into at most one transfer each way. Returns the new reserves (k checked).
    function _moveShards(
        uint256 batch,
        Book memory book,
        Result memory res,
        uint256 r0,
        uint256 r1
    ) private returns (uint256 n0, uint256 n1) {
        uint256 shards = SHARDS;
        // Per shard and token: what the escrow receives (fills) and gives (filled inputs).
        uint256[] memory get0 = new uint256[](shards);
        uint256[] memory get1 = new uint256[](shards);
        uint256[] memory give0 = new uint256[](shards);
        uint256[] memory give1 = new uint256[](shards);
        for (uint256 i = 0; i < book.traders.length; ++i) {
            uint8 f = book.flags[i];
            if (f & EXCLUDED != 0) continue;
            uint256 s = book.shard[i];
            uint256 a = book.amountIn[i];
            if (f & SELLS_TOKEN1 == 0) {
                give0[s] += a;
                get1[s] += (a * res.pot1) / res.in0;
            } else {
                give1[s] += a;
                get0[s] += (a * res.pot0) / res.in1;
            }
        }
        (n0, n1) = (r0, r1);
        // Pull every shard's surplus first, then pay the shortfalls: the pool never pays out
        // more than it holds at any point.
        for (uint256 pass = 0; pass < 2; ++pass) {
            for (uint256 s = 0; s < shards; ++s) {
                address escrow = escrowFor(batch, s);
                n0 = _net(IERC20(token0), escrow, n0, [give0[s], get0[s]], pass == 0);
                n1 = _net(IERC20(token1), escrow, n1, [give1[s], get1[s]], pass == 0);
            }
        }
        if (n0 > type(uint112).max || n1 > type(uint112).max) revert Overflow();
        // The pool trades only along its curve with the fee and keeps the rounding: k never falls.
        assert(n0 * n1 >= r0 * r1);
    }

    /// @dev One escrow's net transfer of one token; returns the pool's new reserve of it.
    function _net(
        IERC20 token,
        address escrow,
        uint256 reserve,
        uint256[2] memory giveGet,
        bool pulling
    ) private returns (uint256) {
        (uint256 give, uint256 get) = (giveGet[0], giveGet[1]);
        if (pulling && give > get) {
            token.safeTransferFrom(escrow, address(this), give - get);
            return reserve + (give - get);
        }
        if (!pulling && get > give) {
            token.safeTransfer(escrow, get - give);
            return reserve - (get - give);
        }
        return reserve;
    }

    /// @notice Pays a trader's order of a settled batch (its fill, or a refund if it was
    /// excluded), or refunds it if the batch expired unsettled. Anyone may call it; the tokens
    /// go to the trader, from the trader's shard escrow.
    /// @param batch The batch.
    /// @param trader The trader.
    function claim(uint256 batch, address trader) external nonReentrant {
        _claim(batch, trader, _claimable(batch), escrowFor(batch, AccountShard.shardOf(trader, SHARDS)));
    }

    /// @notice `claim` for many traders (delivery by a keeper, one shard per call keeps calls
    /// of different shards disjoint).
    /// @dev The batch's result is read once, and the escrow computed once per run of traders
    /// of one shard.
    /// @param batch The batch.
    /// @param traders The traders.
    function claimMany(uint256 batch, address[] calldata traders) external nonReentrant {
        Result memory res = _claimable(batch);
        uint256 shard = type(uint256).max;
        address escrow;
        for (uint256 i = 0; i < traders.length; ++i) {
            uint256 s = AccountShard.shardOf(traders[i], SHARDS);
            if (s != shard) (shard, escrow) = (s, escrowFor(batch, s));
            _claim(batch, traders[i], res, escrow);
        }
    }

    /// @dev The batch's result; reverts while the batch is neither settled nor expired.
    function _claimable(uint256 batch) private view returns (Result memory res) {
        res = _results[batch];
        if (res.status == 0 && block.number <= batch + SETTLE_WINDOW) revert NotClaimable();
    }

    function _claim(uint256 batch, address trader, Result memory res, address escrow) private {
        Order memory o = _orders[batch][trader];
        if (o.amountIn == 0) revert NotClaimable();
        bool sells1 = o.flags & SELLS_TOKEN1 != 0;
        // A settled batch pays a fill unless the order was excluded; otherwise a refund.
        bool filled = res.status != 0 && o.flags & EXCLUDED == 0;
        uint256 amount;
        if (!filled) amount = o.amountIn;
        else if (sells1) amount = (o.amountIn * uint256(res.pot0)) / res.in1;
        else amount = (o.amountIn * uint256(res.pot1)) / res.in0;
        delete _orders[batch][trader];
        // A fill pays the other token; a refund returns the input token. The payment's record
        // is that token's Transfer from the shard's escrow to the trader (no event of our own:
        // 2,000 gas per order, and the Transfer already names the trader, token and amount).
        address token = filled == sells1 ? token0 : token1;
        if (amount > 0) IERC20(token).safeTransferFrom(escrow, trader, amount);
    }

    // ------------------------------------------------------------------ liquidity

    /// @notice Adds liquidity at the pool's ratio; only while no batch is pending.
    /// @param amount0Max Most token0 to take.
    /// @param amount1Max Most token1 to take.
    /// @param minShares Least shares to mint.
    /// @param to Receiver of the shares.
    /// @return minted Shares minted.
    function mint(
        uint256 amount0Max,
        uint256 amount1Max,
        uint256 minShares,
        address to
    ) external nonReentrant returns (uint256 minted) {
        _requireNoPendingBatch();
        (uint256 r0, uint256 r1) = getReserves();
        uint256 supply = totalShares;
        uint256 amount0;
        uint256 amount1;
        bool dust;
        if (supply == 0) {
            (amount0, amount1) = (amount0Max, amount1Max);
            uint256 root = Math.sqrt(amount0 * amount1);
            if (root <= MINIMUM_SHARES) revert Slippage();
            minted = root - MINIMUM_SHARES;
            shares[address(0)] = MINIMUM_SHARES;
            supply = MINIMUM_SHARES;
            dust = true;
        } else {
            minted = Math.min((amount0Max * supply) / r0, (amount1Max * supply) / r1);
            // Round the inputs up: the pool never gives away value.
            amount0 = Math.mulDiv(minted, r0, supply, Math.Rounding.Ceil);
            amount1 = Math.mulDiv(minted, r1, supply, Math.Rounding.Ceil);
        }
        if (minted == 0 || minted < minShares) revert Slippage();
        if (r0 + amount0 > type(uint112).max || r1 + amount1 > type(uint112).max) revert Overflow();
        totalShares = supply + minted;
        shares[to] += minted;
        _reserve0 = uint112(r0 + amount0);
        _reserve1 = uint112(r1 + amount1);
        emit Mint(msg.sender, to, amount0, amount1, minted);
        IERC20(token0).safeTransferFrom(msg.sender, address(this), amount0);
        IERC20(token1).safeTransferFrom(msg.sender, address(this), amount1);
        if (dust) _dustEscrows();
    }

    /// @dev The first liquidity provider leaves 1 wei of each token in every escrow, for good:
    /// an escrow's balance then never returns to zero, so no order pays for a zero-to-nonzero
    /// balance write (20,000 gas more) after its escrow was emptied by claims.
    function _dustEscrows() private {
        for (uint256 i = 0; i < 2 * SHARDS; ++i) {
            IERC20(token0).safeTransferFrom(msg.sender, escrowOf(i), 1);
            IERC20(token1).safeTransferFrom(msg.sender, escrowOf(i), 1);
        }
    }

    /// @notice Removes liquidity pro rata (rounded down); only while no batch is pending.
    /// @param burned Shares to burn, from the sender.
    /// @param amount0Min Least token0 out.
    /// @param amount1Min Least token1 out.
    /// @param to Receiver of the tokens.
    /// @return amount0 Token0 paid.
    /// @return amount1 Token1 paid.
    function burn(
        uint256 burned,
        uint256 amount0Min,
        uint256 amount1Min,
        address to
    ) external nonReentrant returns (uint256 amount0, uint256 amount1) {
        _requireNoPendingBatch();
        if (burned == 0 || burned > shares[msg.sender]) revert InsufficientShares();
        (uint256 r0, uint256 r1) = getReserves();
        uint256 supply = totalShares;
        amount0 = (burned * r0) / supply;
        amount1 = (burned * r1) / supply;
        if (amount0 < amount0Min || amount1 < amount1Min || amount0 == 0 || amount1 == 0) revert Slippage();
        shares[msg.sender] -= burned;
        totalShares = supply - burned;
        _reserve0 = uint112(r0 - amount0);
        _reserve1 = uint112(r1 - amount1);
        emit Burn(msg.sender, to, amount0, amount1, burned);
        IERC20(token0).safeTransfer(to, amount0);
        IERC20(token1).safeTransfer(to, amount1);
    }

    /// @dev Liquidity moves only when the latest batch with orders (hence every earlier one) is
    /// settled or expired: nobody can change the depth a pending batch will clear against.
    function _requireNoPendingBatch() private view {
        uint256 last = lastOrderBatch;
        if (last > lastSettled && block.number <= last + SETTLE_WINDOW) revert BatchPending(last);
    }

    // ------------------------------------------------------------------ access lists

    /// @inheritdoc IAccessDeclaring
    /// @dev `lastOrderBatch` and `prevOrderBatch[batch]` are per-block snapshots (READ|SNAPSHOT):
    /// only the first order of a block writes them, with the block number and the pre-block
    /// value, and nothing else writes them. Tokens are declared slot by slot when the registry
    /// knows them, else whole.
    function declareAccess(address sender, bytes calldata data) external view returns (Access[] memory) {
        bytes4 selector = bytes4(data[:4]);
        if (selector == this.settle.selector) return _declareSettle(data);
        AccessList.Builder memory list;
        if (selector == this.submit.selector || selector == this.submitFor.selector) {
            list = _declareSubmit(sender, selector, data);
        } else if (selector == this.setOperator.selector) {
            list = AccessList.create(1);
            list.add(
                address(this),
                DexStorageLib.poolOperatorSlot(sender, abi.decode(data[4:], (address))),
                AccessList.READ_WRITE
            );
        } else if (selector == this.claim.selector || selector == this.claimMany.selector) {
            list = _declareClaims(selector, data);
        } else if (selector == this.mint.selector || selector == this.burn.selector) {
            bool minting = selector == this.mint.selector;
            (, , , address to) = abi.decode(data[4:], (uint256, uint256, uint256, address));
            list = AccessList.create(13 + (minting && totalShares == 0 ? 4 * SHARDS : 0));
            list.add(address(this), DexStorageLib.POOL_RESERVES_SLOT, AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.POOL_TOTAL_SHARES_SLOT, AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.POOL_LAST_ORDER_BATCH_SLOT, AccessList.READ);
            list.add(address(this), DexStorageLib.POOL_LAST_SETTLED_SLOT, AccessList.READ);
            list.add(address(this), DexStorageLib.poolSharesSlot(minting ? to : sender), AccessList.READ_WRITE);
            if (minting && totalShares == 0) {
                list = _declareFirstMint(list);
                list.add(address(this), DexStorageLib.poolSharesSlot(address(0)), AccessList.READ_WRITE);
            }
            TokenSlots.Layout[2] memory ts = [
                TokenSlots.load(tokenLayouts, token0),
                TokenSlots.load(tokenLayouts, token1)
            ];
            for (uint256 k = 0; k < 2; ++k) {
                list.add(ts[k].token, ts[k].balance(address(this)), AccessList.READ_WRITE);
                if (minting) {
                    list.add(ts[k].token, ts[k].balance(sender), AccessList.READ_WRITE);
                    list.add(ts[k].token, ts[k].allowance(sender, address(this)), AccessList.READ_WRITE);
                } else {
                    list.add(ts[k].token, ts[k].balance(to), AccessList.READ_WRITE);
                }
            }
        } else {
            revert UnknownSelector(selector);
        }
        return list.finish();
    }

    /// @dev `submit` and `submitFor` (which also reads the operator flag): the trader's order,
    /// its shard's sums, the two per-block snapshots, and the input token's slots.
    function _declareSubmit(
        address sender,
        bytes4 selector,
        bytes calldata data
    ) private view returns (AccessList.Builder memory list) {
        address trader = sender;
        uint256 batch;
        bool zeroForOne;
        if (selector == this.submit.selector) {
            (batch, zeroForOne) = abi.decode(data[4:], (uint256, bool));
        } else {
            (trader, batch, zeroForOne) = abi.decode(data[4:], (address, uint256, bool));
        }
        list = AccessList.create(9);
        if (selector == this.submitFor.selector) {
            list.add(address(this), DexStorageLib.poolOperatorSlot(trader, sender), AccessList.READ);
        }
        list.add(address(this), DexStorageLib.POOL_LAST_ORDER_BATCH_SLOT, AccessList.READ_SNAPSHOT);
        list.add(address(this), DexStorageLib.poolPrevOrderBatchSlot(batch), AccessList.READ_SNAPSHOT);
        list.add(address(this), DexStorageLib.poolOrderSlot(batch, trader), AccessList.READ_WRITE);
        list.add(address(this), DexStorageLib.poolShardBatchSlot(batch, shardOf(trader)), AccessList.READ_WRITE);
        TokenSlots.Layout memory t = TokenSlots.load(tokenLayouts, zeroForOne ? token0 : token1);
        list.add(t.token, t.balance(trader), AccessList.READ_WRITE);
        list.add(t.token, t.allowance(trader, address(this)), AccessList.READ_WRITE);
        list.add(t.token, t.balance(escrowFor(batch, shardOf(trader))), AccessList.READ_WRITE);
    }

    /// @dev `claim` and `claimMany`: each order, the batch's result, and per trader both
    /// tokens' payments (a fill pays one token, a refund the other; the settlement may run
    /// earlier in the block).
    function _declareClaims(
        bytes4 selector,
        bytes calldata data
    ) private view returns (AccessList.Builder memory list) {
        uint256 batch = abi.decode(data[4:], (uint256));
        address[] memory traders;
        if (selector == this.claim.selector) {
            traders = new address[](1);
            (, traders[0]) = abi.decode(data[4:], (uint256, address));
        } else {
            (, traders) = abi.decode(data[4:], (uint256, address[]));
        }
        list = AccessList.create(2 + 7 * traders.length);
        (bytes32 resultFirst, bytes32 resultSecond) = DexStorageLib.poolResultSlots(batch);
        list.add(address(this), resultFirst, AccessList.READ);
        list.add(address(this), resultSecond, AccessList.READ);
        TokenSlots.Layout memory t0 = TokenSlots.load(tokenLayouts, token0);
        TokenSlots.Layout memory t1 = TokenSlots.load(tokenLayouts, token1);
        for (uint256 i = 0; i < traders.length; ++i) {
            list.add(address(this), DexStorageLib.poolOrderSlot(batch, traders[i]), AccessList.READ_WRITE);
            address escrow = escrowFor(batch, shardOf(traders[i]));
            _declarePayment(list, t0, escrow, traders[i]);
            _declarePayment(list, t1, escrow, traders[i]);
        }
    }

    /// @dev Settlement reads many orders: entries are distinct by construction, so they are
    /// written straight into the array (no merging, which is quadratic in the list's length).
    /// Escrows pay the pool by `transferFrom` under an infinite allowance, which is read only.
    function _declareSettle(bytes calldata data) private view returns (Access[] memory d) {
        (uint256 batch, address[][] memory lists) = abi.decode(data[4:], (uint256, address[][]));
        uint256 n;
        for (uint256 s = 0; s < lists.length; ++s) n += lists[s].length;
        uint256 shards = SHARDS;
        TokenSlots.Layout memory t0 = TokenSlots.load(tokenLayouts, token0);
        TokenSlots.Layout memory t1 = TokenSlots.load(tokenLayouts, token1);
        bool exact = t0.exact && t1.exact;
        d = new Access[](5 + n + shards + (exact ? 2 + 4 * shards : 2));
        uint256 k;
        (bytes32 resultFirst, bytes32 resultSecond) = DexStorageLib.poolResultSlots(batch);
        d[k++] = Access(address(this), DexStorageLib.POOL_RESERVES_SLOT, AccessList.READ_WRITE);
        d[k++] = Access(address(this), DexStorageLib.POOL_LAST_SETTLED_SLOT, AccessList.READ_WRITE);
        d[k++] = Access(address(this), DexStorageLib.poolPrevOrderBatchSlot(batch), AccessList.READ);
        d[k++] = Access(address(this), resultFirst, AccessList.READ_WRITE);
        d[k++] = Access(address(this), resultSecond, AccessList.READ_WRITE);
        for (uint256 s = 0; s < lists.length; ++s) {
            for (uint256 j = 0; j < lists[s].length; ++j) {
                d[k++] = Access(address(this), DexStorageLib.poolOrderSlot(batch, lists[s][j]), AccessList.READ_WRITE);
            }
        }
        for (uint256 s = 0; s < shards; ++s) {
            d[k++] = Access(address(this), DexStorageLib.poolShardBatchSlot(batch, s), AccessList.READ);
        }
        if (!exact) {
            d[k++] = Access(token0, AccessList.ANY_SLOT, AccessList.READ_WRITE);
            d[k++] = Access(token1, AccessList.ANY_SLOT, AccessList.READ_WRITE);
            return d;
        }
        d[k++] = Access(token0, t0.balance(address(this)), AccessList.READ_WRITE);
        d[k++] = Access(token1, t1.balance(address(this)), AccessList.READ_WRITE);
        for (uint256 s = 0; s < shards; ++s) {
            address escrow = escrowFor(batch, s);
            d[k++] = Access(token0, t0.balance(escrow), AccessList.READ_WRITE);
            d[k++] = Access(token1, t1.balance(escrow), AccessList.READ_WRITE);
            d[k++] = Access(token0, t0.allowance(escrow, address(this)), AccessList.READ);
            d[k++] = Access(token1, t1.allowance(escrow, address(this)), AccessList.READ);
        }
    }

    /// @dev The first mint's dust: both tokens' balances of every escrow.
    function _declareFirstMint(AccessList.Builder memory list) private view returns (AccessList.Builder memory) {
        TokenSlots.Layout memory t0 = TokenSlots.load(tokenLayouts, token0);
        TokenSlots.Layout memory t1 = TokenSlots.load(tokenLayouts, token1);
        for (uint256 i = 0; i < 2 * SHARDS; ++i) {
            list.add(token0, t0.balance(escrowOf(i)), AccessList.READ_WRITE);
            list.add(token1, t1.balance(escrowOf(i)), AccessList.READ_WRITE);
        }
        return list;
    }

    /// @dev An escrow paying `to` one token (claim): the escrow's and `to`'s balances and the
    /// escrow's (infinite, never decreased) allowance to the pool.
    function _declarePayment(
        AccessList.Builder memory list,
        TokenSlots.Layout memory t,
        address escrow,
        address to
    ) private view {
        list.add(t.token, t.balance(escrow), AccessList.READ_WRITE);
        list.add(t.token, t.balance(to), AccessList.READ_WRITE);
        list.add(t.token, t.allowance(escrow, address(this)), AccessList.READ);
    }
}
