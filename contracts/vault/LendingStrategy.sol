// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";
import {LendingStorageLib} from "../lending/LendingStorageLib.sol";
import {LendingMarket} from "../lending/LendingMarket.sol";
import {TokenSlots} from "../tokens/TokenSlots.sol";
import {AccessList} from "../libraries/AccessList.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";

/// @title LendingStrategy
/// @notice IStrategy adapter that lends a DisjointVault's assets on one LendingMarket of the
/// suite: `deposit` supplies the loan asset, `withdraw` withdraws it to the receiver. The
/// adapter is one address, so its market position and its liquidity live in one market shard
/// (`shardOf(adapter)`); withdrawals may fall back to the market shards in `sources` (fixed
/// at construction) when that shard's cash runs dry, and the declarations name exactly them.
/// @dev The adapter keeps no storage (everything is immutable): every access it causes is in
/// the market (exact slots, per docs/lending.md's storage map) or the loan token (the
/// escrows' balances when the token layout registry knows the token, else the whole account).
/// Its views value the position at the supply index the market's next interaction in this
/// block will use, so `maxWithdraw` never promises what `withdraw` cannot deliver.
contract LendingStrategy is IStrategy {
    using SafeERC20 for IERC20;
    using TokenSlots for TokenSlots.Layout;

    uint256 internal constant WAD = 1e18;

    /// @notice The market the vault's assets are supplied to.
    LendingMarket public immutable market;
    /// @notice The vault's asset, the market's loan token.
    address public immutable asset;
    /// @notice The only caller of `deposit` and `withdraw`.
    address public immutable vault;
    /// @notice Market shards (bit i = shard i) a withdrawal may draw on after the adapter's own.
    uint256 public immutable sources;
    /// @notice The token layout registry its views' declarations use (the market's; zero: the
    /// loan token is declared as the whole account).
    ITokenLayoutRegistry public immutable tokenLayouts;

    error NotVault(address caller);
    error AssetMismatch(address vaultAsset, address loanToken);
    error InvalidSources(uint256 sources);
    error UnknownSelector(bytes4 selector);

    /// @param market_ The lending market (its loan token must be the vault's asset).
    /// @param vault_ The vault this adapter serves.
    /// @param sources_ Fallback shards of the market for withdrawals (bit i = shard i; bits at
    /// or above the market's shard count are rejected; the own shard's bit is ignored).
    /// @param tokenLayouts_ The token layout registry the market was deployed with (zero for none).
    constructor(LendingMarket market_, address vault_, uint256 sources_, ITokenLayoutRegistry tokenLayouts_) {
        address loan = address(market_.loanToken());
        address vaultAsset = IStrategy(vault_).asset();
        if (vaultAsset != loan) revert AssetMismatch(vaultAsset, loan);
        uint256 k = market_.nextShardCount();
        if (sources_ >> k != 0) revert InvalidSources(sources_);
        market = market_;
        tokenLayouts = tokenLayouts_;
        asset = loan;
        vault = vault_;
        sources = sources_ & ~(uint256(1) << (uint256(uint160(address(this))) % k));
        IERC20(loan).forceApprove(address(market_), type(uint256).max);
    }

    /// @notice The adapter's own market shard: its supply position's tag once it has supplied
    /// (kept if the market's shard count grows), else the shard its first supply would take.
    /// @return The shard index.
    function ownShard() public view returns (uint256) {
        return market.shardOf(address(this));
    }

    modifier onlyVault() {
        if (msg.sender != vault) revert NotVault(msg.sender);
        _;
    }

    /// @inheritdoc IStrategy
    /// @dev The supply shares the adapter holds, valued at this block's supply index, rounded down.
    function totalAssets() public view returns (uint256) {
        (uint256 index, ) = _indexAndCash();
        return (uint256(market.position(address(this)).supplyShares) * index) / WAD;
    }

    /// @inheritdoc IStrategy
    /// @dev The position's value, capped by the cash of the own shard and of the `sources` shards.
    function maxWithdraw() external view returns (uint256) {
        (uint256 index, uint256 cash) = _indexAndCash();
        uint256 value = (uint256(market.position(address(this)).supplyShares) * index) / WAD;
        return value < cash ? value : cash;
    }

    /// @inheritdoc IStrategy
    function deposit(uint256 assets) external onlyVault {
        if (assets == 0) return;
        market.supply(assets);
    }

    /// @inheritdoc IStrategy
    function withdraw(uint256 assets, address receiver) external onlyVault {
        if (assets == 0) return;
        market.withdraw(assets, receiver, sources);
    }

    /// @inheritdoc IStrategy
    /// @dev `deposit` and `withdraw`: the market's own declaration of the call the adapter makes
    /// (rule 4 of docs/access-lists.md). `withdraw` is asked with the own shard's escrow as the
    /// receiver (a balance that call touches anyway): the real receiver's balance is the
    /// vault's to declare (see IStrategy). The views: the market's snapshot, bad-debt book and
    /// every shard's two slots (READ: the index of this block is computed from them when the
    /// snapshot is stale), the adapter's position (both slots), and the loan token (the
    /// escrows' balances are the shards' cash). The adapter itself has no storage.
    function declareStrategyAccess(bytes4 selector) external view returns (IAccessDeclaring.Access[] memory accesses) {
        if (selector == IStrategy.deposit.selector) {
            return market.declareAccess(address(this), abi.encodeCall(LendingMarket.supply, (1)));
        }
        if (selector == IStrategy.withdraw.selector) {
            return
                market.declareAccess(
                    address(this),
                    abi.encodeCall(LendingMarket.withdraw, (1, market.escrowOf(ownShard()), sources))
                );
        }
        if (selector != IStrategy.totalAssets.selector && selector != IStrategy.maxWithdraw.selector) {
            revert UnknownSelector(selector);
        }
        uint256 k = market.nextShardCount(); // every shard with an escrow
        accesses = new IAccessDeclaring.Access[](3 * k + 5);
        address m = address(market);
        accesses[0] = IAccessDeclaring.Access(m, bytes32(LendingStorageLib.SNAPSHOT), AccessList.READ);
        accesses[1] = IAccessDeclaring.Access(m, bytes32(LendingStorageLib.BAD_DEBT_BOOK), AccessList.READ);
        for (uint256 i = 0; i < k; ++i) {
            accesses[2 + 2 * i] = IAccessDeclaring.Access(m, LendingStorageLib.shardSlot(i), AccessList.READ);
            accesses[3 + 2 * i] = IAccessDeclaring.Access(m, LendingStorageLib.shardBadDebtSlot(i), AccessList.READ);
        }
        // `position()` returns both slots of the position (shares, then collateral).
        accesses[2 + 2 * k] = IAccessDeclaring.Access(
            m,
            LendingStorageLib.positionSlot(address(this)),
            AccessList.READ
        );
        accesses[3 + 2 * k] = IAccessDeclaring.Access(m, LendingStorageLib.loanSlot(address(this)), AccessList.READ);
        // A shard's cash is its escrow's balance in the loan token (`shardTotals`, own and sources).
        TokenSlots.Layout memory loan = TokenSlots.load(tokenLayouts, asset);
        accesses[4 + 2 * k] = IAccessDeclaring.Access(m, bytes32(LendingStorageLib.RATES), AccessList.READ);
        uint256 n = 5 + 2 * k;
        if (!loan.exact) {
            accesses[n++] = IAccessDeclaring.Access(asset, AccessList.ANY_SLOT, AccessList.READ);
        } else {
            uint256 allowed = sources | (uint256(1) << ownShard());
            for (uint256 i = 0; i < k; ++i) {
                if ((allowed >> i) & 1 == 1) {
                    accesses[n++] = IAccessDeclaring.Access(asset, loan.balance(market.escrowOf(i)), AccessList.READ);
                }
            }
        }
        assembly ("memory-safe") {
            mstore(accesses, n)
        }
    }

    /// @dev The supply index the market's next interaction in this block uses (the market's
    /// `previewIndices`), and the cash a withdrawal may take.
    function _indexAndCash() internal view returns (uint256 index, uint256 cash) {
        (index, ) = market.previewIndices();
        uint256 k = market.nextShardCount(); // every shard with an escrow
        uint256 allowed = sources | (uint256(1) << ownShard());
        for (uint256 i = 0; i < k; ++i) {
            if ((allowed >> i) & 1 == 1) cash += market.shardTotals(i).cash;
        }
    }
}
