// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyLockTransient} from "../libraries/ReentrancyLockTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {IDisjointPair} from "./interfaces/IDisjointPair.sol";
import {IDisjointCallee} from "./interfaces/IDisjointCallee.sol";
import {DisjointLPToken} from "./DisjointLPToken.sol";
import {AccessList} from "../libraries/AccessList.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";
import {DexStorageLib} from "./libraries/DexStorageLib.sol";

/// @notice What a pair asks its deployer (the factory) for.
interface IDisjointPairDeployer {
    /// @notice The token pair and shard index of the pair being deployed (constructor only).
    function deployParameters() external view returns (address token0, address token1, uint256 shardIndex);

    /// @notice The token layout registry the pair's `declareAccess` reads (zero for none).
    function tokenLayouts() external view returns (ITokenLayoutRegistry);

    /// @notice The token slots a pair's call touches (see DisjointFactory.pairTokenAccess).
    function pairTokenAccess(
        address pair,
        address token0,
        address token1,
        uint256 pays,
        address to
    ) external view returns (IAccessDeclaring.Access[] memory);
}

/// @title DisjointPair
/// @notice One constant-product pool (one shard of a token pair) with Uniswap V2's pair
/// interface and 0.30% fee. Differences from V2, all aimed at disjoint storage:
/// no protocol fee (no kLast, no factory read on mint/burn), the reentrancy lock lives in
/// transient storage, and tokens/factory are immutables.
/// @dev Storage layout (fixed; `declareAccess` and docs/dex.md rely on it):
/// 0 totalSupply, 1 balanceOf, 2 allowance, 3 nonces (DisjointLPToken),
/// 4 reserve0|reserve1|blockTimestampLast, 5 price0CumulativeLast, 6 price1CumulativeLast,
/// 7 shard info (used by shard 0 only; written only by the factory).
contract DisjointPair is IDisjointPair, IAccessDeclaring, DisjointLPToken, ReentrancyLockTransient {
    using SafeERC20 for IERC20;
    using AccessList for AccessList.Builder;

    /// @notice Only the factory may call this.
    error Forbidden();
    /// @notice Both outputs were zero.
    error InsufficientOutputAmount();
    /// @notice An output would drain a reserve.
    error InsufficientLiquidity();
    /// @notice `to` is one of the pair's tokens.
    error InvalidTo();
    /// @notice Nothing was paid in.
    error InsufficientInputAmount();
    /// @notice The fee-adjusted constant product fell.
    error K();
    /// @notice A balance does not fit in 112 bits.
    error Overflow();
    /// @notice The deposit mints no liquidity.
    error InsufficientLiquidityMinted();
    /// @notice The burn returns nothing of one token.
    error InsufficientLiquidityBurned();
    /// @notice `declareAccess` was asked about a selector this contract does not declare.
    error UnknownSelector(bytes4 selector);

    /// @notice Shard count of a token pair, kept by shard 0: `count` from block `fromBlock`
    /// on, `prevCount` before. A change thus never takes effect inside the block that makes it,
    /// so access declarations made against the start of a block stay exact.
    struct ShardInfo {
        uint8 prevCount;
        uint8 count;
        uint64 fromBlock;
    }

    /// @inheritdoc IDisjointPair
    uint256 public constant MINIMUM_LIQUIDITY = 1000;

    /// @inheritdoc IDisjointPair
    address public immutable factory;
    /// @inheritdoc IDisjointPair
    address public immutable token0;
    /// @inheritdoc IDisjointPair
    address public immutable token1;
    /// @inheritdoc IDisjointPair
    uint256 public immutable shardIndex;

    uint112 private _reserve0; // slot 4
    uint112 private _reserve1; // slot 4
    uint32 private _blockTimestampLast; // slot 4
    /// @inheritdoc IDisjointPair
    uint256 public price0CumulativeLast; // slot 5
    /// @inheritdoc IDisjointPair
    uint256 public price1CumulativeLast; // slot 6
    ShardInfo private _shardInfo; // slot 7

    constructor() {
        factory = msg.sender;
        uint256 index;
        (token0, token1, index) = IDisjointPairDeployer(msg.sender).deployParameters();
        shardIndex = index;
        if (index == 0) _shardInfo = ShardInfo(1, 1, 0);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDisjointPair
    function getReserves() public view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast) {
        return (_reserve0, _reserve1, _blockTimestampLast);
    }

    /// @notice Shard 0 only: the shard count of this token pair in force in this block.
    /// @return The count (0 on shards other than 0).
    function shardCount() public view returns (uint256) {
        ShardInfo memory info = _shardInfo;
        return block.number >= info.fromBlock ? info.count : info.prevCount;
    }

    /// @notice Shard 0 only: the raw shard-count record (see ShardInfo).
    /// @return prevCount Count before `fromBlock`.
    /// @return count Count from `fromBlock` on (the number of shards created).
    /// @return fromBlock First block of `count`.
    function shardInfo() external view returns (uint256 prevCount, uint256 count, uint256 fromBlock) {
        ShardInfo memory info = _shardInfo;
        return (info.prevCount, info.count, info.fromBlock);
    }

    /// @notice Reserves and, on shard 0, the shard count in force: one call for the router.
    /// @return reserve0 Reserve of token0.
    /// @return reserve1 Reserve of token1.
    /// @return shards The shard count (0 on shards other than 0).
    function getReservesAndShardCount() external view returns (uint112 reserve0, uint112 reserve1, uint256 shards) {
        // Other shards skip the shard-info slot, so reading them touches only their reserves.
        return (_reserve0, _reserve1, shardIndex == 0 ? shardCount() : 0);
    }

    // ------------------------------------------------------------------ factory

    /// @notice Factory only: records a new shard count (see ShardInfo).
    /// @param prevCount Count before `fromBlock`.
    /// @param count Count from `fromBlock` on.
    /// @param fromBlock First block of `count`.
    function setShardInfo(uint8 prevCount, uint8 count, uint64 fromBlock) external {
        if (msg.sender != factory) revert Forbidden();
        _shardInfo = ShardInfo(prevCount, count, fromBlock);
    }

    // ------------------------------------------------------------------ pool

    /// @inheritdoc IDisjointPair
    function mint(address to) external nonReentrant returns (uint256 liquidity) {
        (uint112 reserve0, uint112 reserve1, uint32 last) = getReserves();
        uint256 balance0 = IERC20(token0).balanceOf(address(this));
        uint256 balance1 = IERC20(token1).balanceOf(address(this));
        uint256 amount0 = balance0 - reserve0;
        uint256 amount1 = balance1 - reserve1;
        uint256 supply = totalSupply;
        if (supply == 0) {
            // First deposit: geometric mean, rounded down; MINIMUM_LIQUIDITY is locked at
            // address(0) so the share price can never be pushed to a griefing level.
            uint256 root = Math.sqrt(amount0 * amount1);
            if (root <= MINIMUM_LIQUIDITY) revert InsufficientLiquidityMinted();
            liquidity = root - MINIMUM_LIQUIDITY;
            _mint(address(0), MINIMUM_LIQUIDITY);
        } else {
            // Pro rata on the scarcer side, rounded down: the pool never gives away value.
            liquidity = Math.min((amount0 * supply) / reserve0, (amount1 * supply) / reserve1);
            if (liquidity == 0) revert InsufficientLiquidityMinted();
        }
        _mint(to, liquidity);
        _update(balance0, balance1, reserve0, reserve1, last);
        emit Mint(msg.sender, amount0, amount1);
    }

    /// @inheritdoc IDisjointPair
    function burn(address to) external nonReentrant returns (uint256 amount0, uint256 amount1) {
        (uint112 reserve0, uint112 reserve1, uint32 last) = getReserves();
        address t0 = token0;
        address t1 = token1;
        uint256 balance0 = IERC20(t0).balanceOf(address(this));
        uint256 balance1 = IERC20(t1).balanceOf(address(this));
        uint256 liquidity = balanceOf[address(this)];
        uint256 supply = totalSupply;
        // Pro rata, rounded down.
        amount0 = (liquidity * balance0) / supply;
        amount1 = (liquidity * balance1) / supply;
        if (amount0 == 0 || amount1 == 0) revert InsufficientLiquidityBurned();
        _burn(address(this), liquidity);
        IERC20(t0).safeTransfer(to, amount0);
        IERC20(t1).safeTransfer(to, amount1);
        balance0 = IERC20(t0).balanceOf(address(this));
        balance1 = IERC20(t1).balanceOf(address(this));
        _update(balance0, balance1, reserve0, reserve1, last);
        emit Burn(msg.sender, amount0, amount1, to);
    }

    /// @inheritdoc IDisjointPair
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external nonReentrant {
        if (amount0Out == 0 && amount1Out == 0) revert InsufficientOutputAmount();
        {
            (uint112 reserve0, uint112 reserve1, ) = getReserves();
            if (amount0Out >= reserve0 || amount1Out >= reserve1) revert InsufficientLiquidity();
        }
        address t0 = token0;
        address t1 = token1;
        if (to == t0 || to == t1) revert InvalidTo();
        // Optimistic transfer; the constant-product check in _settle makes it safe.
        if (amount0Out > 0) IERC20(t0).safeTransfer(to, amount0Out);
        if (amount1Out > 0) IERC20(t1).safeTransfer(to, amount1Out);
        if (data.length > 0) IDisjointCallee(to).uniswapV2Call(msg.sender, amount0Out, amount1Out, data);
        _settle(IERC20(t0).balanceOf(address(this)), IERC20(t1).balanceOf(address(this)), amount0Out, amount1Out, to);
    }

    /// @dev Second half of `swap`: derives the inputs, checks the fee-adjusted product,
    /// stores the new reserves.
    function _settle(uint256 balance0, uint256 balance1, uint256 amount0Out, uint256 amount1Out, address to) private {
        if (balance0 > type(uint112).max || balance1 > type(uint112).max) revert Overflow();
        (uint112 reserve0, uint112 reserve1, uint32 last) = getReserves();
        uint256 amount0In;
        uint256 amount1In;
        unchecked {
            // reserve > amountOut was checked in swap, and the lock kept the reserves.
            uint256 kept0 = reserve0 - amount0Out;
            uint256 kept1 = reserve1 - amount1Out;
            amount0In = balance0 > kept0 ? balance0 - kept0 : 0;
            amount1In = balance1 > kept1 ? balance1 - kept1 : 0;
        }
        if (amount0In == 0 && amount1In == 0) revert InsufficientInputAmount();
        unchecked {
            // All factors are below 2**112 * 1000, so neither product overflows 256 bits.
            uint256 adjusted0 = balance0 * 1000 - amount0In * 3;
            uint256 adjusted1 = balance1 * 1000 - amount1In * 3;
            if (adjusted0 * adjusted1 < uint256(reserve0) * reserve1 * 1_000_000) revert K();
        }
        _update(balance0, balance1, reserve0, reserve1, last);
        emit Swap(msg.sender, amount0In, amount1In, amount0Out, amount1Out, to);
    }

    /// @inheritdoc IDisjointPair
    function skim(address to) external nonReentrant {
        address t0 = token0;
        address t1 = token1;
        (uint112 reserve0, uint112 reserve1, ) = getReserves();
        IERC20(t0).safeTransfer(to, IERC20(t0).balanceOf(address(this)) - reserve0);
        IERC20(t1).safeTransfer(to, IERC20(t1).balanceOf(address(this)) - reserve1);
    }

    /// @inheritdoc IDisjointPair
    function sync() external nonReentrant {
        (uint112 reserve0, uint112 reserve1, uint32 last) = getReserves();
        _update(
            IERC20(token0).balanceOf(address(this)),
            IERC20(token1).balanceOf(address(this)),
            reserve0,
            reserve1,
            last
        );
    }

    /// @dev Accumulates prices with the old reserves (first touch in a block only), then
    /// stores the new reserves.
    function _update(uint256 balance0, uint256 balance1, uint112 reserve0, uint112 reserve1, uint32 last) private {
        if (balance0 > type(uint112).max || balance1 > type(uint112).max) revert Overflow();
        uint32 timestamp = uint32(block.timestamp);
        unchecked {
            // Wrapping is intended: consumers difference the accumulators.
            uint32 elapsed = timestamp - last;
            if (elapsed > 0 && reserve0 != 0 && reserve1 != 0) {
                price0CumulativeLast += ((uint256(reserve1) << 112) / reserve0) * elapsed;
                price1CumulativeLast += ((uint256(reserve0) << 112) / reserve1) * elapsed;
            }
        }
        _reserve0 = uint112(balance0);
        _reserve1 = uint112(balance1);
        _blockTimestampLast = timestamp;
        emit Sync(uint112(balance0), uint112(balance1));
    }

    // ------------------------------------------------------------------ access lists

    /// @notice The pair's storage slots that `declareAccess` names (see the layout above).
    /// @return reserves Slot of reserve0|reserve1|blockTimestampLast.
    /// @return price0 Slot of price0CumulativeLast.
    /// @return price1 Slot of price1CumulativeLast.
    /// @return shards Slot of the shard info.
    function poolSlots() public pure returns (bytes32 reserves, bytes32 price0, bytes32 price1, bytes32 shards) {
        return (
            DexStorageLib.PAIR_RESERVES_SLOT,
            DexStorageLib.PAIR_PRICE0_CUMULATIVE_SLOT,
            DexStorageLib.PAIR_PRICE1_CUMULATIVE_SLOT,
            DexStorageLib.PAIR_SHARD_INFO_SLOT
        );
    }

    /// @notice The slot of `nonces[owner]`, for callers that compose declarations.
    /// @param owner The permit signer.
    /// @return The storage slot.
    function nonceSlot(address owner) external pure returns (bytes32) {
        return DexStorageLib.pairNonceSlot(owner);
    }

    /// @inheritdoc IAccessDeclaring
    /// @dev The price accumulators are per-block snapshots (READ|SNAPSHOT): only the first
    /// reserve update of a block writes them, with the reserves from before the block, and
    /// every function that writes the reserves goes through `_update`, which accumulates first.
    /// Token slots: the pair's balance (read; written when a token goes out) and the balance of
    /// the recipient of what goes out, exact when the factory's token layout registry knows the
    /// token, else the token's whole account. A flash swap (non-empty `data`) declares both
    /// tokens and the callee whole: the callee may move tokens from anywhere; whatever it
    /// touches elsewhere is the callee's to declare.
    function declareAccess(address sender, bytes calldata data) external view returns (Access[] memory) {
        bytes4 selector = bytes4(data[:4]);
        AccessList.Builder memory list = AccessList.create(12);
        if (selector == this.swap.selector) {
            (uint256 amount0Out, uint256 amount1Out, address to, bytes memory callback) = abi.decode(
                data[4:],
                (uint256, uint256, address, bytes)
            );
            _declarePool(list, true);
            if (callback.length > 0) {
                list.add(token0, AccessList.ANY_SLOT, AccessList.READ_WRITE);
                list.add(token1, AccessList.ANY_SLOT, AccessList.READ_WRITE);
                list.add(to, AccessList.ANY_SLOT, AccessList.READ_WRITE);
            } else {
                _declareTokens(list, (amount0Out > 0 ? 1 : 0) | (amount1Out > 0 ? 2 : 0), to);
            }
        } else if (selector == this.mint.selector) {
            address to = abi.decode(data[4:], (address));
            _declarePool(list, true);
            _declareTokens(list, 0, address(0));
            list.add(address(this), DexStorageLib.PAIR_TOTAL_SUPPLY_SLOT, AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.pairBalanceSlot(to), AccessList.READ_WRITE);
            // The minimum liquidity is minted only while the supply is zero; once minted it
            // is locked, so a supply above zero at the start of the block stays above zero.
            if (totalSupply == 0)
                list.add(address(this), DexStorageLib.pairBalanceSlot(address(0)), AccessList.READ_WRITE);
        } else if (selector == this.burn.selector) {
            address to = abi.decode(data[4:], (address));
            _declarePool(list, true);
            _declareTokens(list, 3, to);
            list.add(address(this), DexStorageLib.PAIR_TOTAL_SUPPLY_SLOT, AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.pairBalanceSlot(address(this)), AccessList.READ_WRITE);
        } else if (selector == this.skim.selector) {
            address to = abi.decode(data[4:], (address));
            _declarePool(list, false);
            _declareTokens(list, 3, to);
        } else if (selector == this.sync.selector) {
            _declarePool(list, true);
            _declareTokens(list, 0, address(0));
        } else if (selector == this.setShardInfo.selector) {
            list.add(address(this), DexStorageLib.PAIR_SHARD_INFO_SLOT, AccessList.READ_WRITE);
        } else {
            _declareLPToken(list, sender, selector, data);
        }
        return list.finish();
    }

    /// @dev Declarations of the LP token's own functions.
    function _declareLPToken(
        AccessList.Builder memory list,
        address sender,
        bytes4 selector,
        bytes calldata data
    ) private view {
        if (selector == this.transfer.selector) {
            (address to, ) = abi.decode(data[4:], (address, uint256));
            list.add(address(this), DexStorageLib.pairBalanceSlot(sender), AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.pairBalanceSlot(to), AccessList.READ_WRITE);
        } else if (selector == this.transferFrom.selector) {
            (address from, address to, ) = abi.decode(data[4:], (address, address, uint256));
            list.add(address(this), DexStorageLib.pairAllowanceSlot(from, sender), AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.pairBalanceSlot(from), AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.pairBalanceSlot(to), AccessList.READ_WRITE);
        } else if (selector == this.approve.selector) {
            (address spender, ) = abi.decode(data[4:], (address, uint256));
            list.add(address(this), DexStorageLib.pairAllowanceSlot(sender, spender), AccessList.READ_WRITE);
        } else if (selector == this.permit.selector) {
            (address owner, address spender) = abi.decode(data[4:], (address, address));
            list.add(address(this), DexStorageLib.pairNonceSlot(owner), AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.pairAllowanceSlot(owner, spender), AccessList.READ_WRITE);
        } else {
            revert UnknownSelector(selector);
        }
    }

    /// @dev The reserves slot (written when `writes`), and the accumulators as snapshots.
    function _declarePool(AccessList.Builder memory list, bool writes) private view {
        list.add(address(this), DexStorageLib.PAIR_RESERVES_SLOT, writes ? AccessList.READ_WRITE : AccessList.READ);
        if (writes) {
            list.add(address(this), DexStorageLib.PAIR_PRICE0_CUMULATIVE_SLOT, AccessList.READ_SNAPSHOT);
            list.add(address(this), DexStorageLib.PAIR_PRICE1_CUMULATIVE_SLOT, AccessList.READ_SNAPSHOT);
        }
    }

    /// @dev Both tokens' slots, from the factory (which reads the token layout registry): the
    /// pair's balance of each, read, and written with `to`'s when the pair pays that token out
    /// (`pays` bit 0: token0, bit 1: token1).
    function _declareTokens(AccessList.Builder memory list, uint256 pays, address to) private view {
        list.addAll(IDisjointPairDeployer(factory).pairTokenAccess(address(this), token0, token1, pays, to));
    }
}
