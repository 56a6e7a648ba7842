// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {SwapMath} from "../libraries/SwapMath.sol";
import {IDisjointPair} from "./interfaces/IDisjointPair.sol";
import {IDisjointRouter} from "./interfaces/IDisjointRouter.sol";
import {DisjointBatchPool} from "./DisjointBatchPool.sol";
import {DisjointFactory} from "./DisjointFactory.sol";
import {DisjointPair} from "./DisjointPair.sol";
import {AccessList} from "../libraries/AccessList.sol";
import {PairAddress} from "./libraries/PairAddress.sol";
import {DexStorageLib} from "./libraries/DexStorageLib.sol";

/// @title DisjointRouter
/// @notice Uniswap V2 Router02's token functions (liquidity, exact-in/exact-out multi-hop
/// swaps, quotes with V2's 0.30% fee math), spread over the shards of each token pair, plus
/// explicit shard-aware entry points. Stateless: no storage at all.
/// @dev Shard rule (SAMM-style, deterministic): a hop goes to the shard with the smallest
/// reserve of the priced side (input reserve for exact-in, output reserve for exact-out)
/// that can carry it, i.e. whose trade amount is at most `maxTradeBps` / 10_000 of that
/// reserve; ties go to the lower index. If no shard can carry it, the hop goes to the
/// shard with the largest such reserve. Empty shards are skipped. Liquidity placed by
/// `addLiquidity`/`removeLiquidity` goes to the owner's home shard, `uint160(owner) % K`.
contract DisjointRouter is IDisjointRouter, IAccessDeclaring {
    using SafeERC20 for IERC20;
    using AccessList for AccessList.Builder;

    /// @inheritdoc IDisjointRouter
    address public immutable factory;
    /// @inheritdoc IDisjointRouter
    uint256 public immutable maxTradeBps;
    bytes32 private immutable _initCodeHash;

    constructor(address factory_, uint256 maxTradeBps_) {
        factory = factory_;
        maxTradeBps = maxTradeBps_;
        _initCodeHash = DisjointFactory(factory_).PAIR_INIT_CODE_HASH();
    }

    modifier ensure(uint256 deadline) {
        if (block.timestamp > deadline) revert Expired();
        _;
    }

    // ------------------------------------------------------------------ liquidity

    /// @inheritdoc IDisjointRouter
    function addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256 amountA, uint256 amountB, uint256 liquidity) {
        address pool = _homeShardOrCreate(tokenA, tokenB, to);
        (amountA, amountB) = _amountsToAdd(
            pool,
            tokenA,
            tokenB,
            amountADesired,
            amountBDesired,
            amountAMin,
            amountBMin
        );
        liquidity = _deposit(pool, tokenA, tokenB, amountA, amountB, to);
    }

    /// @inheritdoc IDisjointRouter
    function addLiquidityToShard(
        address tokenA,
        address tokenB,
        uint256 shard,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256 amountA, uint256 amountB, uint256 liquidity) {
        address pool = _pool(tokenA, tokenB, shard);
        (amountA, amountB) = _amountsToAdd(
            pool,
            tokenA,
            tokenB,
            amountADesired,
            amountBDesired,
            amountAMin,
            amountBMin
        );
        liquidity = _deposit(pool, tokenA, tokenB, amountA, amountB, to);
    }

    /// @inheritdoc IDisjointRouter
    function removeLiquidity(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256 amountA, uint256 amountB) {
        address pool = _homeShard(tokenA, tokenB, msg.sender);
        (amountA, amountB) = _withdraw(pool, tokenA, tokenB, liquidity, amountAMin, amountBMin, to);
    }

    /// @inheritdoc IDisjointRouter
    function removeLiquidityWithPermit(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline,
        bool approveMax,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external ensure(deadline) returns (uint256 amountA, uint256 amountB) {
        // Eleven arguments leave no stack room: the helpers read them from calldata.
        (tokenA, tokenB, liquidity, amountAMin, amountBMin, to, approveMax, v, r, s);
        return _removeWithPermit();
    }

    /// @inheritdoc IDisjointRouter
    function removeLiquidityFromShard(
        address tokenA,
        address tokenB,
        uint256 shard,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256 amountA, uint256 amountB) {
        address pool = _pool(tokenA, tokenB, shard);
        (amountA, amountB) = _withdraw(pool, tokenA, tokenB, liquidity, amountAMin, amountBMin, to);
    }

    // ------------------------------------------------------------------ swaps

    /// @inheritdoc IDisjointRouter
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        address[] memory pools;
        (amounts, pools) = _routeExactIn(amountIn, path);
        if (amounts[amounts.length - 1] < amountOutMin) revert InsufficientOutputAmount();
        _swap(amounts, path, pools, to);
    }

    /// @inheritdoc IDisjointRouter
    function swapTokensForExactTokens(
        uint256 amountOut,
        uint256 amountInMax,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        address[] memory pools;
        (amounts, pools) = _routeExactOut(amountOut, path);
        if (amounts[0] > amountInMax) revert ExcessiveInputAmount();
        _swap(amounts, path, pools, to);
    }

    /// @inheritdoc IDisjointRouter
    function swapExactTokensForTokensSupportingFeeOnTransferTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) {
        (, address[] memory pools) = _routeExactIn(amountIn, path);
        IERC20(path[0]).safeTransferFrom(msg.sender, pools[0], amountIn);
        IERC20 output = IERC20(path[path.length - 1]);
        uint256 before = output.balanceOf(to);
        uint256 last = pools.length - 1;
        for (uint256 i = 0; i <= last; ++i) _swapReceived(pools[i], path[i], path[i + 1], i < last ? pools[i + 1] : to);
        if (output.balanceOf(to) - before < amountOutMin) revert InsufficientOutputAmount();
    }

    /// @inheritdoc IDisjointRouter
    function swapExactTokensForTokensOnShards(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        uint256[] calldata shards,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        address[] memory pools = _explicitPools(path, shards);
        amounts = new uint256[](path.length);
        amounts[0] = amountIn;
        for (uint256 i = 0; i < pools.length; ++i) {
            (uint256 reserveIn, uint256 reserveOut) = _reservesFor(pools[i], path[i], path[i + 1]);
            amounts[i + 1] = SwapMath.getAmountOut(amounts[i], reserveIn, reserveOut);
        }
        if (amounts[amounts.length - 1] < amountOutMin) revert InsufficientOutputAmount();
        _swap(amounts, path, pools, to);
    }

    /// @inheritdoc IDisjointRouter
    function swapTokensForExactTokensOnShards(
        uint256 amountOut,
        uint256 amountInMax,
        address[] calldata path,
        uint256[] calldata shards,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        address[] memory pools = _explicitPools(path, shards);
        amounts = new uint256[](path.length);
        amounts[amounts.length - 1] = amountOut;
        for (uint256 i = pools.length; i > 0; --i) {
            (uint256 reserveIn, uint256 reserveOut) = _reservesFor(pools[i - 1], path[i - 1], path[i]);
            amounts[i - 1] = SwapMath.getAmountIn(amounts[i], reserveIn, reserveOut);
        }
        if (amounts[0] > amountInMax) revert ExcessiveInputAmount();
        _swap(amounts, path, pools, to);
    }

    // ------------------------------------------------------------------ batch orders

    /// @inheritdoc IDisjointRouter
    function submitBatchOrder(
        address pool,
        uint256 batch,
        bool zeroForOne,
        uint256 amountIn,
        uint256 minOut,
        uint256 deadline
    ) external ensure(deadline) {
        DisjointBatchPool(pool).submitFor(msg.sender, batch, zeroForOne, amountIn, minOut);
    }

    // ------------------------------------------------------------------ quotes

    /// @inheritdoc IDisjointRouter
    function quote(uint256 amountA, uint256 reserveA, uint256 reserveB) public pure returns (uint256 amountB) {
        if (amountA == 0) revert InsufficientAmount();
        if (reserveA == 0 || reserveB == 0) revert InsufficientLiquidity();
        amountB = (amountA * reserveB) / reserveA;
    }

    /// @inheritdoc IDisjointRouter
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) external pure returns (uint256) {
        return SwapMath.getAmountOut(amountIn, reserveIn, reserveOut);
    }

    /// @inheritdoc IDisjointRouter
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) external pure returns (uint256) {
        return SwapMath.getAmountIn(amountOut, reserveIn, reserveOut);
    }

    /// @inheritdoc IDisjointRouter
    function getAmountsOut(uint256 amountIn, address[] calldata path) external view returns (uint256[] memory amounts) {
        (amounts, ) = _routeExactIn(amountIn, path);
    }

    /// @inheritdoc IDisjointRouter
    function getAmountsIn(uint256 amountOut, address[] calldata path) external view returns (uint256[] memory amounts) {
        (amounts, ) = _routeExactOut(amountOut, path);
    }

    /// @inheritdoc IDisjointRouter
    function routeExactIn(
        uint256 amountIn,
        address[] calldata path
    ) external view returns (uint256[] memory amounts, address[] memory pools) {
        return _routeExactIn(amountIn, path);
    }

    /// @inheritdoc IDisjointRouter
    function routeExactOut(
        uint256 amountOut,
        address[] calldata path
    ) external view returns (uint256[] memory amounts, address[] memory pools) {
        return _routeExactOut(amountOut, path);
    }

    /// @inheritdoc IDisjointRouter
    function homeShard(
        address tokenA,
        address tokenB,
        address owner
    ) public view returns (uint256 index, address pool) {
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        address shard0 = _compute(token0, token1, 0);
        uint256 count = _shardCount(shard0);
        index = uint256(uint160(owner)) % count;
        pool = index == 0 ? shard0 : _compute(token0, token1, index);
    }

    // ------------------------------------------------------------------ access lists

    /// @inheritdoc IAccessDeclaring
    /// @dev The union of what the router's calls touch: the token slots of every transfer
    /// (the sender's balance and allowance to the router, the balances of the pools and of the
    /// recipient; exact when the factory's token layout registry knows the token, else the
    /// token's whole account), every pool each hop may use (the shard rule reads reserves
    /// that earlier transactions of the block may change, so every in-force shard of the pair
    /// is declared; the *OnShards entry points name exactly one pool per hop), shard 0's
    /// shard-count slot where the count is read, and each pool's own declaration.
    function declareAccess(address sender, bytes calldata data) external view returns (Access[] memory) {
        bytes4 selector = bytes4(data[:4]);
        if (
            selector == this.swapExactTokensForTokens.selector ||
            selector == this.swapTokensForExactTokens.selector ||
            selector == this.swapExactTokensForTokensSupportingFeeOnTransferTokens.selector
        ) {
            (, , address[] memory path, address to) = abi.decode(data[4:], (uint256, uint256, address[], address));
            return _declareSwap(path, new uint256[](0), false, sender, to);
        }
        if (
            selector == this.swapExactTokensForTokensOnShards.selector ||
            selector == this.swapTokensForExactTokensOnShards.selector
        ) {
            (, , address[] memory path, uint256[] memory shards, address to) = abi.decode(
                data[4:],
                (uint256, uint256, address[], uint256[], address)
            );
            return _declareSwap(path, shards, true, sender, to);
        }
        if (selector == this.submitBatchOrder.selector) {
            // Stateless: the pool's own declaration of the order it is sent.
            (address pool, uint256 batch, bool zeroForOne, uint256 amountIn, uint256 minOut) = abi.decode(
                data[4:],
                (address, uint256, bool, uint256, uint256)
            );
            bytes memory inner = abi.encodeCall(
                DisjointBatchPool.submitFor,
                (sender, batch, zeroForOne, amountIn, minOut)
            );
            return IAccessDeclaring(pool).declareAccess(address(this), inner);
        }
        return _declareLiquidity(sender, selector, data);
    }

    /// @dev declareAccess for the liquidity functions.
    function _declareLiquidity(
        address sender,
        bytes4 selector,
        bytes calldata data
    ) private view returns (Access[] memory) {
        if (selector == this.addLiquidity.selector) {
            (address tokenA, address tokenB, , , , , address to) = abi.decode(
                data[4:],
                (address, address, uint256, uint256, uint256, uint256, address)
            );
            return _declareAdd(tokenA, tokenB, type(uint256).max, sender, to);
        }
        if (selector == this.addLiquidityToShard.selector) {
            (address tokenA, address tokenB, uint256 shard, , , , , address to) = abi.decode(
                data[4:],
                (address, address, uint256, uint256, uint256, uint256, uint256, address)
            );
            return _declareAdd(tokenA, tokenB, shard, sender, to);
        }
        if (selector == this.removeLiquidity.selector) {
            (address tokenA, address tokenB, uint256 liquidity, , , address to) = abi.decode(
                data[4:],
                (address, address, uint256, uint256, uint256, address)
            );
            return _declareRemove(tokenA, tokenB, type(uint256).max, liquidity, sender, to);
        }
        if (selector == this.removeLiquidityWithPermit.selector) {
            (address tokenA, address tokenB, uint256 liquidity, , , address to) = abi.decode(
                data[4:],
                (address, address, uint256, uint256, uint256, address)
            );
            return _declareRemoveWithPermit(tokenA, tokenB, liquidity, sender, to);
        }
        if (selector == this.removeLiquidityFromShard.selector) {
            (address tokenA, address tokenB, uint256 shard, uint256 liquidity, , , address to) = abi.decode(
                data[4:],
                (address, address, uint256, uint256, uint256, uint256, address)
            );
            return _declareRemove(tokenA, tokenB, shard, liquidity, sender, to);
        }
        revert UnknownSelector(selector);
    }

    /// @dev removeLiquidityWithPermit: the removal and the permit's nonce on the home pool (on
    /// both home pools while a count change is pending).
    function _declareRemoveWithPermit(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        address sender,
        address to
    ) private view returns (Access[] memory base) {
        (address t0, address t1) = PairAddress.sortTokens(tokenA, tokenB);
        (address pool, address other) = _homePools(t0, t1, sender);
        base = _declareRemove(tokenA, tokenB, type(uint256).max, liquidity, sender, to);
        if (other != pool) base = _withNonce(base, other, sender);
        return _withNonce(base, pool, sender);
    }

    /// @dev A swap along `path`: the input pulled from `sender` into the first hop's pool, every
    /// candidate pool of every hop (its own declaration, asked with the pool as the recipient,
    /// and its balance of the token it receives), and `to`'s balance of the output.
    function _declareSwap(
        address[] memory path,
        uint256[] memory shards,
        bool explicit,
        address sender,
        address to
    ) private view returns (Access[] memory) {
        if (path.length < 2 || (explicit && shards.length != path.length - 1)) revert InvalidPath();
        AccessList.Builder memory list = AccessList.create(4 + (path.length - 1) * (8 * 16 + 1));
        list.add(path[0], _tokenSlot(path[0], sender, address(this)), AccessList.READ_WRITE);
        list.add(path[0], _tokenSlot(path[0], sender, address(0)), AccessList.READ_WRITE);
        for (uint256 i = 0; i + 1 < path.length; ++i) {
            _declareHop(list, path[i], path[i + 1], explicit ? shards[i] : type(uint256).max);
        }
        address tokenOut = path[path.length - 1];
        list.add(tokenOut, _tokenSlot(tokenOut, to, address(0)), AccessList.READ_WRITE);
        return list.finish();
    }

    /// @dev One hop from `tokenIn` to `tokenOut` on `shard` (type(uint256).max: every shard
    /// in force, as the shard rule may pick any).
    function _declareHop(
        AccessList.Builder memory list,
        address tokenIn,
        address tokenOut,
        uint256 shard
    ) private view {
        (address token0, address token1) = PairAddress.sortTokens(tokenIn, tokenOut);
        uint256 first;
        uint256 end;
        if (shard != type(uint256).max) {
            (first, end) = (shard, shard + 1);
            _requirePool(_compute(token0, token1, first));
        } else {
            address shard0 = _compute(token0, token1, 0);
            _requirePool(shard0);
            (uint256 now_, uint256 next) = _declaredCounts(shard0);
            end = now_ > next ? now_ : next;
            list.add(shard0, DexStorageLib.PAIR_SHARD_INFO_SLOT, AccessList.READ);
        }
        bool inIs0 = tokenIn == token0;
        for (uint256 s = first; s < end; ++s) {
            address pool = _compute(token0, token1, s);
            bytes memory call = abi.encodeCall(IDisjointPair.swap, (inIs0 ? 0 : 1, inIs0 ? 1 : 0, pool, ""));
            list.addAll(DisjointPair(pool).declareAccess(address(this), call));
            // The pool receives its input from the sender or from the previous hop's pool.
            list.add(tokenIn, _tokenSlot(tokenIn, pool, address(0)), AccessList.READ_WRITE);
        }
    }

    function _declareAdd(
        address tokenA,
        address tokenB,
        uint256 shard,
        address sender,
        address to
    ) private view returns (Access[] memory) {
        AccessList.Builder memory list = AccessList.create(32);
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        address shard0 = _compute(token0, token1, 0);
        address pool;
        if (shard == type(uint256).max) {
            if (shard0.code.length == 0) {
                // addLiquidity creates the pair: the factory's declaration covers the new
                // pool's whole account.
                list.addAll(
                    DisjointFactory(factory).declareAccess(
                        address(this),
                        abi.encodeCall(DisjointFactory.createPair, (tokenA, tokenB))
                    )
                );
                _declarePull(list, tokenA, tokenB, sender, shard0);
                return list.finish();
            }
            list.add(shard0, DexStorageLib.PAIR_SHARD_INFO_SLOT, AccessList.READ);
            address other;
            (pool, other) = _homePools(token0, token1, to);
            if (other != pool) {
                _declarePull(list, tokenA, tokenB, sender, other);
                list.addAll(DisjointPair(other).declareAccess(address(this), abi.encodeCall(IDisjointPair.mint, (to))));
            }
        } else {
            pool = _compute(token0, token1, shard);
            _requirePool(pool);
        }
        _declarePull(list, tokenA, tokenB, sender, pool);
        list.addAll(DisjointPair(pool).declareAccess(address(this), abi.encodeCall(IDisjointPair.mint, (to))));
        return list.finish();
    }

    /// @dev `transferFrom(sender, pool)` of both tokens by the router.
    function _declarePull(
        AccessList.Builder memory list,
        address tokenA,
        address tokenB,
        address sender,
        address pool
    ) private view {
        list.add(tokenA, _tokenSlot(tokenA, sender, address(this)), AccessList.READ_WRITE);
        list.add(tokenA, _tokenSlot(tokenA, sender, address(0)), AccessList.READ_WRITE);
        list.add(tokenA, _tokenSlot(tokenA, pool, address(0)), AccessList.READ_WRITE);
        list.add(tokenB, _tokenSlot(tokenB, sender, address(this)), AccessList.READ_WRITE);
        list.add(tokenB, _tokenSlot(tokenB, sender, address(0)), AccessList.READ_WRITE);
        list.add(tokenB, _tokenSlot(tokenB, pool, address(0)), AccessList.READ_WRITE);
    }

    /// @dev A token slot from the factory (its token layout registry; ANY_SLOT when unknown).
    function _tokenSlot(address token, address account, address spender) private view returns (bytes32) {
        return DisjointFactory(factory).tokenSlot(token, account, spender);
    }

    /// @dev Adds the permit's nonce slot of `owner` on the pool burned from (the permit's
    /// allowance slot is the one transferFrom already declares).
    function _withNonce(Access[] memory base, address pool, address owner) private pure returns (Access[] memory) {
        AccessList.Builder memory list = AccessList.create(base.length + 1);
        list.addAll(base);
        list.add(pool, DexStorageLib.pairNonceSlot(owner), AccessList.READ_WRITE);
        return list.finish();
    }

    function _declareRemove(
        address tokenA,
        address tokenB,
        uint256 shard,
        uint256 liquidity,
        address owner,
        address to
    ) private view returns (Access[] memory) {
        AccessList.Builder memory list = AccessList.create(32);
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        address pool;
        if (shard == type(uint256).max) {
            address shard0 = _compute(token0, token1, 0);
            _requirePool(shard0);
            list.add(shard0, DexStorageLib.PAIR_SHARD_INFO_SLOT, AccessList.READ);
            address other;
            (pool, other) = _homePools(token0, token1, owner);
            if (other != pool) _declareBurn(list, other, liquidity, owner, to);
        } else {
            pool = _compute(token0, token1, shard);
            _requirePool(pool);
        }
        _declareBurn(list, pool, liquidity, owner, to);
        return list.finish();
    }

    /// @dev The LP `transferFrom(owner, pool)` and the pool's burn.
    function _declareBurn(
        AccessList.Builder memory list,
        address pool,
        uint256 liquidity,
        address owner,
        address to
    ) private view {
        list.addAll(
            DisjointPair(pool).declareAccess(
                address(this),
                abi.encodeCall(IERC20.transferFrom, (owner, pool, liquidity))
            )
        );
        list.addAll(DisjointPair(pool).declareAccess(address(this), abi.encodeCall(IDisjointPair.burn, (to))));
    }

    /// @dev For declarations: the shard count in force in this block and in the next one. They
    /// differ only in the block that mined a count change (addShards, createShardedPair), when
    /// a client that runs `eth_call` in the latest block's context sees the old count while the
    /// transaction runs under the new one; declarations then cover both.
    function _declaredCounts(address shard0) private view returns (uint256 now_, uint256 next) {
        (uint256 prevCount, uint256 count, uint256 fromBlock) = DisjointPair(shard0).shardInfo();
        now_ = block.number >= fromBlock ? count : prevCount;
        next = block.number + 1 >= fromBlock ? count : prevCount;
    }

    /// @dev For declarations: `owner`'s home shard under this block's count and under the next
    /// block's (the same pool unless a count change is pending).
    function _homePools(address token0, address token1, address owner) private view returns (address a, address b) {
        address shard0 = _compute(token0, token1, 0);
        (uint256 now_, uint256 next) = _declaredCounts(shard0);
        uint256 ia = uint256(uint160(owner)) % now_;
        uint256 ib = uint256(uint160(owner)) % next;
        a = ia == 0 ? shard0 : _compute(token0, token1, ia);
        b = ib == 0 ? shard0 : _compute(token0, token1, ib);
    }

    // ------------------------------------------------------------------ internals

    function _swap(uint256[] memory amounts, address[] calldata path, address[] memory pools, address to) private {
        IERC20(path[0]).safeTransferFrom(msg.sender, pools[0], amounts[0]);
        uint256 last = pools.length - 1;
        for (uint256 i = 0; i <= last; ++i) {
            uint256 out = amounts[i + 1];
            (uint256 amount0Out, uint256 amount1Out) = path[i] < path[i + 1] ? (uint256(0), out) : (out, uint256(0));
            IDisjointPair(pools[i]).swap(amount0Out, amount1Out, i < last ? pools[i + 1] : to, "");
        }
    }

    /// @dev One fee-on-transfer hop: swaps what `pool` received above its reserve.
    function _swapReceived(address pool, address tokenIn, address tokenOut, address to) private {
        (uint256 reserveIn, uint256 reserveOut) = _reservesFor(pool, tokenIn, tokenOut);
        uint256 out = SwapMath.getAmountOut(IERC20(tokenIn).balanceOf(pool) - reserveIn, reserveIn, reserveOut);
        (uint256 amount0Out, uint256 amount1Out) = tokenIn < tokenOut ? (uint256(0), out) : (out, uint256(0));
        IDisjointPair(pool).swap(amount0Out, amount1Out, to, "");
    }

    function _routeExactIn(
        uint256 amountIn,
        address[] calldata path
    ) private view returns (uint256[] memory amounts, address[] memory pools) {
        if (path.length < 2) revert InvalidPath();
        amounts = new uint256[](path.length);
        pools = new address[](path.length - 1);
        amounts[0] = amountIn;
        for (uint256 i = 0; i < pools.length; ++i) {
            uint256 reserveIn;
            uint256 reserveOut;
            (pools[i], reserveIn, reserveOut) = _pick(path[i], path[i + 1], amounts[i], true);
            amounts[i + 1] = SwapMath.getAmountOut(amounts[i], reserveIn, reserveOut);
        }
    }

    function _routeExactOut(
        uint256 amountOut,
        address[] calldata path
    ) private view returns (uint256[] memory amounts, address[] memory pools) {
        if (path.length < 2) revert InvalidPath();
        amounts = new uint256[](path.length);
        pools = new address[](path.length - 1);
        amounts[path.length - 1] = amountOut;
        for (uint256 i = pools.length; i > 0; --i) {
            uint256 reserveIn;
            uint256 reserveOut;
            (pools[i - 1], reserveIn, reserveOut) = _pick(path[i - 1], path[i], amounts[i], false);
            amounts[i - 1] = SwapMath.getAmountIn(amounts[i], reserveIn, reserveOut);
        }
    }

    /// @dev The shard rule (see the contract's NatSpec). `exactIn`: `amount` is the input and
    /// the input reserve is ranked; otherwise `amount` is the output and the output reserve is.
    function _pick(
        address tokenIn,
        address tokenOut,
        uint256 amount,
        bool exactIn
    ) private view returns (address pool, uint256 reserveIn, uint256 reserveOut) {
        (address token0, address token1) = PairAddress.sortTokens(tokenIn, tokenOut);
        bool inIs0 = tokenIn == token0;
        pool = _compute(token0, token1, 0);
        (uint256 r0, uint256 r1, uint256 count) = _reservesAndCount(pool);
        if (count == 1) return inIs0 ? (pool, r0, r1) : (pool, r1, r0);
        Candidate memory best = _pickShard(Query(token0, token1, inIs0, amount, exactIn), count);
        return (best.pool, best.reserveIn, best.reserveOut);
    }

    /// @dev What the shard rule is asked: the pair, the direction, the amount and its kind.
    struct Query {
        address token0;
        address token1;
        bool inIs0;
        uint256 amount;
        bool exactIn;
    }

    /// @dev A shard considered by the shard rule: `rank` is the ranked reserve, `carries`
    /// whether the trade is within `maxTradeBps` of it.
    struct Candidate {
        address pool;
        uint256 reserveIn;
        uint256 reserveOut;
        uint256 rank;
        bool carries;
    }

    function _pickShard(Query memory q, uint256 count) private view returns (Candidate memory best) {
        for (uint256 s = 0; s < count; ++s) {
            Candidate memory c;
            c.pool = _compute(q.token0, q.token1, s);
            (uint256 r0, uint256 r1, ) = _reservesAndCount(c.pool);
            (c.reserveIn, c.reserveOut) = q.inIs0 ? (r0, r1) : (r1, r0);
            if (c.reserveIn == 0 || c.reserveOut == 0 || (!q.exactIn && q.amount >= c.reserveOut)) continue;
            c.rank = q.exactIn ? c.reserveIn : c.reserveOut;
            c.carries = q.amount * 10_000 <= c.rank * maxTradeBps;
            if (
                best.pool == address(0) ||
                (c.carries && (!best.carries || c.rank < best.rank)) ||
                (!c.carries && !best.carries && c.rank > best.rank)
            ) best = c;
        }
        if (best.pool == address(0)) revert InsufficientLiquidity();
    }

    function _explicitPools(
        address[] calldata path,
        uint256[] calldata shards
    ) private view returns (address[] memory pools) {
        if (path.length < 2 || shards.length != path.length - 1) revert InvalidPath();
        pools = new address[](shards.length);
        for (uint256 i = 0; i < shards.length; ++i) {
            (address token0, address token1) = PairAddress.sortTokens(path[i], path[i + 1]);
            pools[i] = _compute(token0, token1, shards[i]);
        }
    }

    function _reservesFor(
        address pool,
        address tokenIn,
        address tokenOut
    ) private view returns (uint256 reserveIn, uint256 reserveOut) {
        (uint256 r0, uint256 r1, ) = _staticWords(pool, IDisjointPair.getReserves.selector);
        (reserveIn, reserveOut) = tokenIn < tokenOut ? (r0, r1) : (r1, r0);
    }

    function _homeShardOrCreate(address tokenA, address tokenB, address owner) private returns (address pool) {
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        address shard0 = _compute(token0, token1, 0);
        if (shard0.code.length == 0) return DisjointFactory(factory).createPair(tokenA, tokenB);
        (, pool) = homeShard(tokenA, tokenB, owner);
    }

    function _homeShard(address tokenA, address tokenB, address owner) private view returns (address pool) {
        (, pool) = homeShard(tokenA, tokenB, owner);
    }

    function _amountsToAdd(
        address pool,
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin
    ) private view returns (uint256 amountA, uint256 amountB) {
        (uint256 reserveA, uint256 reserveB) = _reservesFor(pool, tokenA, tokenB);
        if (reserveA == 0 && reserveB == 0) return (amountADesired, amountBDesired);
        uint256 amountBOptimal = quote(amountADesired, reserveA, reserveB);
        if (amountBOptimal <= amountBDesired) {
            if (amountBOptimal < amountBMin) revert InsufficientBAmount();
            return (amountADesired, amountBOptimal);
        }
        // amountBOptimal > amountBDesired implies amountAOptimal <= amountADesired.
        uint256 amountAOptimal = quote(amountBDesired, reserveB, reserveA);
        if (amountAOptimal < amountAMin) revert InsufficientAAmount();
        return (amountAOptimal, amountBDesired);
    }

    function _deposit(
        address pool,
        address tokenA,
        address tokenB,
        uint256 amountA,
        uint256 amountB,
        address to
    ) private returns (uint256 liquidity) {
        IERC20(tokenA).safeTransferFrom(msg.sender, pool, amountA);
        IERC20(tokenB).safeTransferFrom(msg.sender, pool, amountB);
        liquidity = IDisjointPair(pool).mint(to);
    }

    function _withdraw(
        address pool,
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to
    ) private returns (uint256 amountA, uint256 amountB) {
        IERC20(pool).safeTransferFrom(msg.sender, pool, liquidity);
        (uint256 amount0, uint256 amount1) = IDisjointPair(pool).burn(to);
        (amountA, amountB) = tokenA < tokenB ? (amount0, amount1) : (amount1, amount0);
        if (amountA < amountAMin) revert InsufficientAAmount();
        if (amountB < amountBMin) revert InsufficientBAmount();
    }

    function _removeWithPermit() private returns (uint256, uint256) {
        (address tokenA, address tokenB, uint256 liquidity, uint256 amountAMin, uint256 amountBMin, address to) = abi
            .decode(msg.data[4:196], (address, address, uint256, uint256, uint256, address));
        address pool = _homeShard(tokenA, tokenB, msg.sender);
        _permitFromCalldata(pool);
        return _withdraw(pool, tokenA, tokenB, liquidity, amountAMin, amountBMin, to);
    }

    /// @dev removeLiquidityWithPermit's permit, its arguments read at their fixed calldata
    /// offsets: liquidity (word 2), deadline (6), approveMax (7), v (8), r (9), s (10).
    function _permitFromCalldata(address pool) private {
        uint256 liquidity;
        uint256 deadline;
        bool approveMax;
        uint8 v;
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            liquidity := calldataload(68)
            deadline := calldataload(196)
            approveMax := iszero(iszero(calldataload(228)))
            v := and(calldataload(260), 0xff)
            r := calldataload(292)
            s := calldataload(324)
        }
        DisjointPair(pool).permit(
            msg.sender,
            address(this),
            approveMax ? type(uint256).max : liquidity,
            deadline,
            v,
            r,
            s
        );
    }

    function _pool(address tokenA, address tokenB, uint256 shard) private view returns (address pool) {
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        pool = _compute(token0, token1, shard);
        _requirePool(pool);
    }

    function _compute(address token0, address token1, uint256 index) private view returns (address) {
        return PairAddress.compute(factory, _initCodeHash, token0, token1, index);
    }

    function _requirePool(address pool) private view {
        if (pool.code.length == 0) revert PairNotFound(pool);
    }

    /// @dev Reserves and shard count in one static call; a missing pool is a named error.
    function _reservesAndCount(address pool) private view returns (uint256 r0, uint256 r1, uint256 count) {
        return _staticWords(pool, DisjointPair.getReservesAndShardCount.selector);
    }

    /// @dev The shard count in force, read from shard 0 (its shard-info slot only).
    function _shardCount(address shard0) private view returns (uint256 count) {
        bytes4 selector = DisjointPair.shardCount.selector;
        bool ok;
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore(buffer, selector)
            ok := staticcall(gas(), shard0, buffer, 0x04, buffer, 0x20)
            // Yul evaluates arguments right to left: check the size after the call.
            ok := and(ok, eq(returndatasize(), 0x20))
            count := mload(buffer)
        }
        if (!ok) revert PairNotFound(shard0);
    }

    /// @dev Calls a pool view that returns three words; a missing pool is a named error.
    function _staticWords(address pool, bytes4 selector) private view returns (uint256 a, uint256 b, uint256 c) {
        bool ok;
        assembly ("memory-safe") {
            // Scratch space past the free memory pointer: nothing is allocated.
            let buffer := mload(0x40)
            mstore(buffer, selector)
            ok := staticcall(gas(), pool, buffer, 0x04, buffer, 0x60)
            ok := and(ok, eq(returndatasize(), 0x60))
            a := mload(buffer)
            b := mload(add(buffer, 0x20))
            c := mload(add(buffer, 0x40))
        }
        if (!ok) revert PairNotFound(pool);
    }
}
