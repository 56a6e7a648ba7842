// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";
import {VaultStorageLib} from "./VaultStorageLib.sol";
import {IDisjointVault} from "../interfaces/IDisjointVault.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";
import {AccessList} from "../libraries/AccessList.sol";
import {ReentrancyLockTransient} from "../libraries/ReentrancyLockTransient.sol";
import {EscrowShards} from "../libraries/EscrowShards.sol";
import {AccountShard} from "../libraries/AccountShard.sol";
import {ShardedTotals} from "../libraries/ShardedTotals.sol";
import {LinearUnlock} from "../libraries/LinearUnlock.sol";

/// @title DisjointVault
/// @notice An ERC-4626 vault whose deposits and withdrawals by different users in one block
/// write different storage slots. Share supply and idle assets are kept per shard (a user's
/// shard is fixed by address), deposits are paid into per-shard escrow contracts, and the
/// share price is a function of the last report (harvest) and the time: profit unlocks
/// linearly, losses take effect at once. No deposit, mint, withdraw or redeem reads another
/// shard (except an exit whose own escrow is short); the harvest is the one operation that
/// aggregates the shards. See docs/vault.md.
/// @dev Deposits and mints are priced at the schedule's end price, exits at the current one,
/// so a depositor never takes profit reported before it joined. Assets are tracked
/// internally: tokens sent to the vault or its escrows without a deposit are not counted.
contract DisjointVault is IDisjointVault, ReentrancyLockTransient {
    using SafeERC20 for IERC20;
    using AccessList for AccessList.Builder;
    using SafeCast for uint256;

    /// @notice Shares carry this many more decimals than the asset; the conversion adds
    /// 10**DECIMALS_OFFSET virtual shares and one virtual asset.
    uint8 public constant DECIMALS_OFFSET = 3;
    uint256 internal constant VIRTUAL_SHARES = 10 ** DECIMALS_OFFSET;
    /// @notice Largest number of shards.
    uint256 public constant MAX_SHARDS = 64;
    /// @notice Largest performance fee, in basis points.
    uint16 public constant MAX_FEE_BPS = 5_000;
    uint256 internal constant BPS = 10_000;
    /// @notice Shortest profit unlock period, in seconds.
    uint32 public constant MIN_UNLOCK_PERIOD = 1 hours;
    uint256 internal constant NO_LIMIT = type(uint256).max;
    uint256 internal constant BALANCE_MASK = type(uint128).max;
    uint256 internal constant TAG_SHIFT = 248;
    /// @notice Prices are assets per share scaled by PRICE_ONE (1e27).
    uint256 public constant PRICE_ONE = 1e27;
    /// Largest price the schedule stores (95 bits); a higher one is stored as this.
    uint256 internal constant PRICE_MAX = LinearUnlock.MAX_PRICE;
    /// @notice Longest profit unlock period (24 bits of seconds, about 194 days).
    uint32 public constant MAX_UNLOCK_PERIOD = uint32(LinearUnlock.MAX_PERIOD);
    // The price word is a LinearUnlock schedule word; its free flag bit is LIMITED.
    uint256 internal constant LIMITED = LinearUnlock.FLAG;

    /// One shard: the shares held by its users and the idle assets in its escrow.
    struct Shard {
        uint128 supply;
        uint128 idle;
    }

    /// What the vault lent its strategy (as of the last report, plus allocations since), and
    /// the performance fee.
    struct Ledger {
        uint128 debt;
        uint16 performanceFeeBps;
    }

    /// The shard count and a pending increase.
    struct ShardConfig {
        uint8 count;
        uint8 next;
        uint64 fromBlock;
    }

    // ---- storage (VaultStorageLib names these slots; keep the two in step) ----
    Shard[MAX_SHARDS] internal _shards;
    /// The price schedule in one word, written only by a report and the owner's settings:
    /// the price rises linearly from the start price at the last report to the end price over
    /// the unlock period; the LIMITED flag says a deposit limit is set. One cold read gives
    /// every user operation its price.
    uint256 internal _price;
    uint256 internal _depositLimit;
    Ledger internal _ledger;
    /// Share balances (low 128 bits) and each account's shard + 1 (the top byte, 0 until the
    /// account first receives shares): a shard, once assigned, is kept when the count grows.
    /// The tag sits above bit 160 so that a balance word never looks like an address to tools
    /// that probe address-shaped storage values.
    mapping(address account => uint256) internal _balances;
    /// @notice Share allowances.
    mapping(address owner => mapping(address spender => uint256)) public allowance;
    /// @notice The strategy idle assets are lent to (zero until set).
    IStrategy public strategy;
    /// @notice The manager: harvests, allocates, sets limits and fees.
    address public owner;
    /// @notice The address a two-step ownership transfer waits for.
    address public pendingOwner;
    string private _name;
    string private _symbol;
    /// The shard count: `count` until block `fromBlock`, `next` from it on (escrows exist for
    /// all `next`). A new account's shard is its address modulo the count in force.
    ShardConfig internal _shardConfig;

    IERC20 private immutable _asset;
    uint8 private immutable _decimals;
    /// @notice Receives the performance fee, as shares.
    address public immutable feeRecipient;
    /// Where `declareAccess` looks up the asset's storage layout (zero: none, the asset is
    /// declared as the whole account). Internal, not public: a getter would reshuffle the
    /// function dispatcher and move the users' gas. The deployment record names it.
    ITokenLayoutRegistry internal immutable tokenLayouts;

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @param asset_ The underlying token.
    /// @param name_ Share token name.
    /// @param symbol_ Share token symbol.
    /// @param shards Number of shards and escrows, 1..MAX_SHARDS.
    /// @param owner_ The manager.
    /// @param feeRecipient_ Receives performance-fee shares (fixed, so harvest's access list is exact).
    /// @param tokenLayouts_ Token layout registry read by `declareAccess` (zero for none).
    constructor(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        uint256 shards,
        address owner_,
        address feeRecipient_,
        ITokenLayoutRegistry tokenLayouts_
    ) {
        if (shards == 0 || shards > MAX_SHARDS) revert InvalidShardCount(shards);
        if (address(asset_) == address(0) || owner_ == address(0) || feeRecipient_ == address(0)) {
            revert InvalidAddress();
        }
        _asset = asset_;
        _decimals = _assetDecimals(asset_) + DECIMALS_OFFSET;
        _shardConfig = ShardConfig(uint8(shards), uint8(shards), 0);
        feeRecipient = feeRecipient_;
        tokenLayouts = tokenLayouts_;
        owner = owner_;
        _name = name_;
        _symbol = symbol_;
        uint256 initial = PRICE_ONE / VIRTUAL_SHARES; // 10**DECIMALS_OFFSET shares per asset
        _price = _pack(initial, initial, block.timestamp, 6 hours, 0);
        // Shard 0's escrow is this vault; escrow k > 0 takes this contract's nonce k, so escrow
        // addresses are computed, not stored.
        for (uint256 k = 1; k < shards; ++k) EscrowShards.deploy(k, asset_, asset_);
        emit OwnershipTransferred(address(0), owner_);
    }

    // =====================================================================================
    // ERC-20 metadata and shares
    // =====================================================================================

    /// @notice Share token name.
    function name() external view returns (string memory) {
        return _name;
    }

    /// @notice Share token symbol.
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    /// @notice Share decimals: the asset's plus DECIMALS_OFFSET.
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @notice Shares held by `account`.
    /// @param account Any address.
    function balanceOf(address account) public view returns (uint256) {
        return _balances[account] & BALANCE_MASK;
    }

    /// @inheritdoc IDisjointVault
    function shardCount() public view returns (uint256) {
        return _shardConfig.next;
    }

    /// @notice Exact total of shares: the sum of every shard's supply.
    function totalSupply() public view returns (uint256 supply) {
        (, supply) = _sums();
    }

    /// @notice Moves `amount` shares from the caller to `to`.
    /// @param to Receiver (not zero).
    /// @param amount Shares.
    /// @return Always true.
    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    /// @notice Moves `amount` shares from `from` to `to`, spending the caller's allowance.
    /// @param from Owner of the shares.
    /// @param to Receiver (not zero).
    /// @param amount Shares.
    /// @return Always true.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _spendAllowance(from, msg.sender, amount);
        _transfer(from, to, amount);
        return true;
    }

    /// @notice Lets `spender` move up to `amount` of the caller's shares.
    /// @param spender The spender (not zero).
    /// @param amount Allowance; type(uint256).max is never decreased.
    /// @return Always true.
    function approve(address spender, uint256 amount) external returns (bool) {
        if (spender == address(0)) revert InvalidAddress();
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    // =====================================================================================
    // ERC-4626 views
    // =====================================================================================

    /// @notice The underlying token.
    function asset() external view returns (address) {
        return address(_asset);
    }

    /// @notice Assets under management: idle assets of every shard plus the strategy debt
    /// (its value at the last report, plus allocations since). Tokens sent without a deposit
    /// are not counted.
    function totalAssets() public view returns (uint256 assets) {
        (assets, ) = _sums();
        assets += _ledger.debt;
    }

    /// @notice Shares that `assets` are worth at the current price, rounded down.
    /// @param assets Amount of assets.
    function convertToShares(uint256 assets) external view returns (uint256) {
        return _toShares(assets, _priceNow(_price), Math.Rounding.Floor);
    }

    /// @notice Assets that `shares` are worth at the current price, rounded down.
    /// @param shares Amount of shares.
    function convertToAssets(uint256 shares) external view returns (uint256) {
        return _toAssets(shares, _priceNow(_price), Math.Rounding.Floor);
    }

    /// @notice Largest `deposit` for `receiver` now: what is left of the receiver shard's part
    /// (depositLimit / shardCount) of the deposit limit, and of its 128-bit counters.
    /// @param receiver Who would receive the shares.
    function maxDeposit(address receiver) public view returns (uint256) {
        uint256 w = _price;
        return _maxDeposit(_shardOf(receiver), _endPrice(w), _limitOf(w));
    }

    /// @notice Largest `mint` for `receiver` now.
    /// @param receiver Who would receive the shares.
    function maxMint(address receiver) public view returns (uint256) {
        uint256 w = _price;
        uint256 p = _endPrice(w);
        return _toShares(_maxDeposit(_shardOf(receiver), p, _limitOf(w)), p, Math.Rounding.Floor);
    }

    /// @notice Largest `withdraw` by `owner_` now: its shares' worth, capped by what the vault
    /// can pay now (every shard escrow plus what the strategy can return).
    /// @param owner_ Owner of the shares.
    function maxWithdraw(address owner_) public view returns (uint256) {
        uint256 p = _priceNow(_price);
        return Math.min(_toAssets(balanceOf(owner_), p, Math.Rounding.Floor), _liquidity());
    }

    /// @notice Largest `redeem` by `owner_` now.
    /// @param owner_ Owner of the shares.
    function maxRedeem(address owner_) public view returns (uint256) {
        uint256 p = _priceNow(_price);
        uint256 bal = balanceOf(owner_);
        uint256 liquidity = _liquidity();
        if (_toAssets(bal, p, Math.Rounding.Floor) <= liquidity) return bal;
        return _toShares(liquidity, p, Math.Rounding.Floor);
    }

    /// @notice Shares `deposit(assets)` would mint now: at the end price, rounded down.
    /// @param assets Amount of assets.
    function previewDeposit(uint256 assets) external view returns (uint256) {
        return _toShares(assets, _endPrice(_price), Math.Rounding.Floor);
    }

    /// @notice Assets `mint(shares)` would take now: at the end price, rounded up.
    /// @param shares Amount of shares.
    function previewMint(uint256 shares) external view returns (uint256) {
        return _toAssets(shares, _endPrice(_price), Math.Rounding.Ceil);
    }

    /// @notice Shares `withdraw(assets)` would burn now: at the current price, rounded up.
    /// @param assets Amount of assets.
    function previewWithdraw(uint256 assets) external view returns (uint256) {
        return _toShares(assets, _priceNow(_price), Math.Rounding.Ceil);
    }

    /// @notice Assets `redeem(shares)` would pay now: at the current price, rounded down.
    /// @param shares Amount of shares.
    function previewRedeem(uint256 shares) external view returns (uint256) {
        return _toAssets(shares, _priceNow(_price), Math.Rounding.Floor);
    }

    // =====================================================================================
    // ERC-4626 actions
    // =====================================================================================

    /// @notice Deposits `assets` from the caller into `receiver`'s shard escrow and mints
    /// shares to `receiver` at the end price of the schedule, rounded down.
    /// @param assets Amount of assets.
    /// @param receiver Who receives the shares.
    /// @return shares Shares minted.
    function deposit(uint256 assets, address receiver) external nonReentrant returns (uint256 shares) {
        if (receiver == address(0)) revert InvalidAddress();
        uint256 w = _price;
        uint256 p = _endPrice(w);
        uint256 word = _balances[receiver];
        uint256 k = _shardOfWord(receiver, word);
        if (w & LIMITED != 0) {
            uint256 max = _maxDeposit(k, p, _depositLimit);
            if (assets > max) revert ExceededMaxDeposit(receiver, assets, max);
        }
        shares = _toShares(assets, p, Math.Rounding.Floor);
        if (shares == 0) revert ZeroShares();
        _enter(k, receiver, word, assets, shares);
    }

    /// @notice Mints exactly `shares` to `receiver`, taking their worth at the end price
    /// (rounded up) from the caller.
    /// @param shares Amount of shares.
    /// @param receiver Who receives the shares.
    /// @return assets Assets taken.
    function mint(uint256 shares, address receiver) external nonReentrant returns (uint256 assets) {
        if (receiver == address(0)) revert InvalidAddress();
        uint256 w = _price;
        uint256 p = _endPrice(w);
        uint256 word = _balances[receiver];
        uint256 k = _shardOfWord(receiver, word);
        if (w & LIMITED != 0) {
            uint256 max = _toShares(_maxDeposit(k, p, _depositLimit), p, Math.Rounding.Floor);
            if (shares > max) revert ExceededMaxMint(receiver, shares, max);
        }
        if (shares == 0) revert ZeroShares();
        assets = _toAssets(shares, p, Math.Rounding.Ceil);
        _enter(k, receiver, word, assets, shares);
    }

    /// @notice Burns `owner_`'s shares (at the current price, rounded up) and pays exactly
    /// `assets` to `receiver`, from `owner_`'s shard escrow; the part it lacks comes from the
    /// strategy, then from the other shards' escrows.
    /// @param assets Amount of assets.
    /// @param receiver Who receives the assets.
    /// @param owner_ Whose shares are burnt; the caller spends its allowance if not the owner.
    /// @return shares Shares burnt.
    function withdraw(uint256 assets, address receiver, address owner_) external nonReentrant returns (uint256 shares) {
        return _withdraw(assets, receiver, owner_, true);
    }

    /// @inheritdoc IDisjointVault
    function withdrawFromShard(
        uint256 assets,
        address receiver,
        address owner_
    ) external nonReentrant returns (uint256 shares) {
        return _withdraw(assets, receiver, owner_, false);
    }

    /// @inheritdoc IDisjointVault
    function redeemFromShard(
        uint256 shares,
        address receiver,
        address owner_
    ) external nonReentrant returns (uint256 assets) {
        return _redeem(shares, receiver, owner_, false);
    }

    function _withdraw(
        uint256 assets,
        address receiver,
        address owner_,
        bool withFallback
    ) internal returns (uint256 shares) {
        uint256 p = _priceNow(_price);
        if (assets == 0) revert ZeroAssets();
        shares = _toShares(assets, p, Math.Rounding.Ceil);
        uint256 word = _balances[owner_];
        uint256 bal = word & BALANCE_MASK;
        if (shares > bal) revert ExceededMaxWithdraw(owner_, assets, _toAssets(bal, p, Math.Rounding.Floor));
        _exit(owner_, receiver, assets, shares, word, withFallback);
    }

    /// @notice Burns exactly `shares` of `owner_` and pays their worth at the current price
    /// (rounded down) to `receiver`, from `owner_`'s shard escrow, then the strategy, then the
    /// other shards' escrows.
    /// @param shares Amount of shares.
    /// @param receiver Who receives the assets.
    /// @param owner_ Whose shares are burnt; the caller spends its allowance if not the owner.
    /// @return assets Assets paid.
    function redeem(uint256 shares, address receiver, address owner_) external nonReentrant returns (uint256 assets) {
        return _redeem(shares, receiver, owner_, true);
    }

    function _redeem(
        uint256 shares,
        address receiver,
        address owner_,
        bool withFallback
    ) internal returns (uint256 assets) {
        uint256 p = _priceNow(_price);
        uint256 word = _balances[owner_];
        uint256 bal = word & BALANCE_MASK;
        if (shares > bal) revert ExceededMaxRedeem(owner_, shares, bal);
        assets = _toAssets(shares, p, Math.Rounding.Floor);
        if (assets == 0) revert ZeroAssets();
        _exit(owner_, receiver, assets, shares, word, withFallback);
    }

    // =====================================================================================
    // Strategy management
    // =====================================================================================

    /// @inheritdoc IDisjointVault
    function harvest() external onlyOwner nonReentrant returns (uint256 profit, uint256 loss) {
        IStrategy strat = strategy;
        if (address(strat) == address(0)) revert NoStrategy();
        uint256 value = strat.totalAssets();
        (uint256 idle, uint256 supply) = _sums();
        Ledger memory led = _ledger;
        uint256 fee;
        uint256 feeShares;
        uint256 real = idle + value;
        if (value >= led.debt) {
            profit = value - led.debt;
            fee = (profit * led.performanceFeeBps) / BPS;
            // Shares worth `fee` at the new end price: f·(R+1)/(S+f+V) = fee.
            if (fee != 0) feeShares = Math.mulDiv(fee, supply + VIRTUAL_SHARES, real + 1 - fee);
            if (feeShares == 0) fee = 0; // too small to pay: left to the holders
        } else {
            loss = led.debt - value;
        }
        uint256 w = _price;
        uint256 end = Math.mulDiv(real + 1, PRICE_ONE, supply + feeShares + VIRTUAL_SHARES);
        end = end > PRICE_MAX ? PRICE_MAX : (end == 0 ? 1 : end);
        uint256 start = Math.min(_priceNow(w), end);
        uint256 period = LinearUnlock.unlockPeriod(w);
        _ledger.debt = value.toUint128();
        _price = _pack(start, end, block.timestamp, period, w & LIMITED);
        if (feeShares != 0) {
            address recipient = feeRecipient;
            uint256 word = _balances[recipient];
            uint256 k = _shardOfWord(recipient, word);
            Shard storage sh = _shards[k];
            sh.supply = (sh.supply + feeShares).toUint128();
            _setBalance(recipient, (word & BALANCE_MASK) + feeShares, k);
            emit Transfer(address(0), recipient, feeShares);
        }
        emit Harvested(profit, loss, fee, feeShares);
        emit PriceScheduled(start, end, period);
    }

    /// @inheritdoc IDisjointVault
    function allocate(uint256 shard, uint256 assets) external onlyOwner nonReentrant {
        if (shard >= shardCount()) revert InvalidShard(shard);
        IStrategy strat = strategy;
        if (address(strat) == address(0)) revert NoStrategy();
        Shard storage sh = _shards[shard];
        if (assets > sh.idle) revert InsufficientLiquidity(assets, sh.idle);
        sh.idle -= uint128(assets);
        _ledger.debt = (_ledger.debt + assets).toUint128();
        emit Allocated(shard, assets);
        _pay(shard, address(strat), assets);
        strat.deposit(assets);
    }

    /// @inheritdoc IDisjointVault
    function deallocate(uint256 shard, uint256 assets) external onlyOwner nonReentrant {
        if (shard >= shardCount()) revert InvalidShard(shard);
        IStrategy strat = strategy;
        if (address(strat) == address(0)) revert NoStrategy();
        uint256 debt = _ledger.debt;
        if (assets > debt) revert InsufficientLiquidity(assets, debt);
        _ledger.debt = uint128(debt - assets);
        Shard storage sh = _shards[shard];
        sh.idle = (sh.idle + assets).toUint128();
        emit Deallocated(shard, assets);
        strat.withdraw(assets, escrowOf(shard));
    }

    /// @inheritdoc IDisjointVault
    function setStrategy(IStrategy newStrategy) external onlyOwner {
        if (_ledger.debt != 0) revert StrategyInUse(_ledger.debt);
        if (
            address(newStrategy) != address(0) &&
            (newStrategy.asset() != address(_asset) || newStrategy.vault() != address(this))
        ) revert StrategyMismatch();
        strategy = newStrategy;
        emit StrategySet(address(newStrategy));
    }

    /// @inheritdoc IDisjointVault
    function setDepositLimit(uint256 limit) external onlyOwner {
        _depositLimit = limit;
        _price = limit == NO_LIMIT ? _price & ~LIMITED : _price | LIMITED;
        emit DepositLimitSet(limit);
    }

    /// @inheritdoc IDisjointVault
    function setPerformanceFee(uint16 bps) external onlyOwner {
        if (bps > MAX_FEE_BPS) revert FeeTooHigh(bps);
        _ledger.performanceFeeBps = bps;
        emit PerformanceFeeSet(bps);
    }

    /// @inheritdoc IDisjointVault
    function setProfitUnlockPeriod(uint32 period) external onlyOwner {
        if (period < MIN_UNLOCK_PERIOD) revert UnlockPeriodTooShort(period, MIN_UNLOCK_PERIOD);
        if (period > MAX_UNLOCK_PERIOD) revert UnlockPeriodTooLong(period, MAX_UNLOCK_PERIOD);
        uint256 w = _price;
        _price = _pack(_priceNow(w), _endPrice(w), block.timestamp, period, w & LIMITED);
        emit ProfitUnlockPeriodSet(period);
    }

    /// @inheritdoc IDisjointVault
    function setShardCount(uint256 count) external onlyOwner {
        ShardConfig memory c = _shardConfig;
        if (block.number < c.fromBlock) revert ShardCountChangePending(c.fromBlock);
        if (count <= c.next || count > MAX_SHARDS) revert InvalidShardCount(count);
        uint256 fromBlock = block.number + 1;
        _shardConfig = ShardConfig(c.next, uint8(count), uint64(fromBlock));
        emit ShardCountSet(count, fromBlock);
        // Escrows keep taking this contract's nonces in order: escrow k at nonce k.
        IERC20 a = _asset;
        for (uint256 k = c.next; k < count; ++k) EscrowShards.deploy(k, a, a);
    }

    /// @inheritdoc IDisjointVault
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner, newOwner);
    }

    /// @inheritdoc IDisjointVault
    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert NotPendingOwner(msg.sender);
        emit OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        pendingOwner = address(0);
    }

    // =====================================================================================
    // Shards
    // =====================================================================================

    /// @inheritdoc IDisjointVault
    function shardOf(address account) external view returns (uint256) {
        return _shardOf(account);
    }

    /// @inheritdoc IDisjointVault
    function escrowOf(uint256 shard) public view returns (address escrow) {
        if (shard == 0) return address(this);
        // Escrow k > 0 is this vault's CREATE child at nonce k.
        return EscrowShards.addressOf(shard);
    }

    /// @inheritdoc IDisjointVault
    function shardState(uint256 shard) external view returns (uint256 supply, uint256 idle) {
        Shard memory sh = _shards[shard];
        return (sh.supply, sh.idle);
    }

    /// @inheritdoc IDisjointVault
    function priceSchedule()
        external
        view
        returns (uint256 current, uint256 start, uint256 end, uint256 lastReport, uint256 unlockPeriod)
    {
        uint256 w = _price;
        return (
            _priceNow(w),
            LinearUnlock.startPrice(w),
            _endPrice(w),
            LinearUnlock.lastReport(w),
            LinearUnlock.unlockPeriod(w)
        );
    }

    /// @inheritdoc IDisjointVault
    function depositLimit() external view returns (uint256) {
        return _limitOf(_price);
    }

    /// @inheritdoc IDisjointVault
    function ledger()
        external
        view
        returns (uint256 debt, uint256 lockedProfit, uint256 lastReport, uint256 unlockPeriod, uint256 feeBps)
    {
        Ledger memory led = _ledger;
        uint256 w = _price;
        (, uint256 supply) = _sums();
        lockedProfit =
            _toAssets(supply, _endPrice(w), Math.Rounding.Floor) - _toAssets(supply, _priceNow(w), Math.Rounding.Floor);
        return (
            led.debt,
            lockedProfit,
            LinearUnlock.lastReport(w),
            LinearUnlock.unlockPeriod(w),
            led.performanceFeeBps
        );
    }

    // =====================================================================================
    // Declared access lists
    // =====================================================================================

    /// @inheritdoc IAccessDeclaring
    function declareAccess(address sender, bytes calldata data) external view returns (Access[] memory accesses) {
        if (data.length < 4) revert UnknownSelector(bytes4(0));
        bytes4 sel = bytes4(data[:4]);
        AccessList.Builder memory list = AccessList.create(shardCount() + 24);
        if (!_declareUserCall(list, sel, sender, data) && !_declareManagerCall(list, sel, data)) {
            revert UnknownSelector(sel);
        }
        accesses = list.finish();
    }

    /// Declarations of the user-facing functions; false if `sel` is not one of them.
    function _declareUserCall(
        AccessList.Builder memory list,
        bytes4 sel,
        address sender,
        bytes calldata data
    ) private view returns (bool) {
        if (sel == this.deposit.selector || sel == this.mint.selector) {
            (, address receiver) = abi.decode(data[4:], (uint256, address));
            list.add(address(this), VaultStorageLib.PRICE_SLOT, AccessList.READ);
            (uint256 k1, uint256 k2) = _candidateShards(list, receiver);
            list.add(address(this), VaultStorageLib.shardSlot(k1), AccessList.WRITE);
            list.add(address(this), VaultStorageLib.shardSlot(k2), AccessList.WRITE);
            list.add(address(this), VaultStorageLib.balanceSlot(receiver), AccessList.WRITE);
            // The deposit limit, when one is set, and the shard count for its per-shard part.
            list.add(address(this), VaultStorageLib.DEPOSIT_LIMIT_SLOT, AccessList.READ);
            list.add(address(this), VaultStorageLib.SHARD_CONFIG_SLOT, AccessList.READ);
            _declareTransferFrom(list, sender, escrowOf(k1));
            list.add(address(_asset), _assetSlot(escrowOf(k2), address(0)), AccessList.WRITE);
        } else if (
            sel == this.withdraw.selector ||
            sel == this.redeem.selector ||
            sel == this.withdrawFromShard.selector ||
            sel == this.redeemFromShard.selector
        ) {
            _declareExit(list, sel, sender, data);
        } else if (sel == this.transfer.selector) {
            (address to, ) = abi.decode(data[4:], (address, uint256));
            _declareTransfer(list, sender, to);
        } else if (sel == this.transferFrom.selector) {
            (address from, address to, ) = abi.decode(data[4:], (address, address, uint256));
            list.add(address(this), VaultStorageLib.allowanceSlot(from, sender), AccessList.WRITE);
            _declareTransfer(list, from, to);
        } else if (sel == this.approve.selector) {
            (address spender, ) = abi.decode(data[4:], (address, uint256));
            list.add(address(this), VaultStorageLib.allowanceSlot(sender, spender), AccessList.WRITE);
        } else {
            return false;
        }
        return true;
    }

    /// `withdraw`, `redeem` and their shard-only variants.
    function _declareExit(
        AccessList.Builder memory list,
        bytes4 sel,
        address sender,
        bytes calldata data
    ) private view {
        (, address receiver, address owner_) = abi.decode(data[4:], (uint256, address, address));
        list.add(address(this), VaultStorageLib.PRICE_SLOT, AccessList.READ);
        (uint256 k1, uint256 k2) = _candidateShards(list, owner_);
        list.add(address(this), VaultStorageLib.shardSlot(k1), AccessList.WRITE);
        list.add(address(this), VaultStorageLib.shardSlot(k2), AccessList.WRITE);
        list.add(address(this), VaultStorageLib.balanceSlot(owner_), AccessList.WRITE);
        if (sender != owner_) list.add(address(this), VaultStorageLib.allowanceSlot(owner_, sender), AccessList.WRITE);
        // The escrow pays the receiver; on the fallback path the strategy pays it the rest
        // (its declaration covers everything else it touches, IStrategy).
        _declareTransferFrom(list, escrowOf(k1), receiver);
        _declareTransferFrom(list, escrowOf(k2), receiver);
        // The shard-only variants stop here; the others may fall back to the strategy, then
        // to every other shard's escrow (another transaction of the block may have drained
        // the owner's escrow, so the fallback cannot be ruled out in advance).
        if (sel == this.withdrawFromShard.selector || sel == this.redeemFromShard.selector) return;
        list.add(address(this), VaultStorageLib.SHARD_CONFIG_SLOT, AccessList.READ);
        uint256 n = shardCount();
        for (uint256 j = 0; j < n; ++j) {
            list.add(address(this), VaultStorageLib.shardSlot(j), AccessList.WRITE);
            _declareTransferFrom(list, escrowOf(j), receiver);
        }
        list.add(address(this), VaultStorageLib.LEDGER_SLOT, AccessList.WRITE);
        list.add(address(this), VaultStorageLib.STRATEGY_SLOT, AccessList.READ);
        _declareStrategy(list, IStrategy.maxWithdraw.selector);
        _declareStrategy(list, IStrategy.withdraw.selector);
    }

    /// Declarations of the manager's functions; false if `sel` is not one of them.
    function _declareManagerCall(
        AccessList.Builder memory list,
        bytes4 sel,
        bytes calldata data
    ) private view returns (bool) {
        list.add(address(this), VaultStorageLib.OWNER_SLOT, AccessList.READ); // every one checks the owner
        if (sel == this.harvest.selector) {
            // The report writes the price word: ordered against every user operation.
            list.add(address(this), VaultStorageLib.PRICE_SLOT, AccessList.WRITE);
            uint256 k = shardCount();
            for (uint256 i = 0; i < k; ++i) list.add(address(this), VaultStorageLib.shardSlot(i), AccessList.READ);
            (uint256 f1, uint256 f2) = _candidateShards(list, feeRecipient); // fee shares
            list.add(address(this), VaultStorageLib.shardSlot(f1), AccessList.WRITE);
            list.add(address(this), VaultStorageLib.shardSlot(f2), AccessList.WRITE);
            list.add(address(this), VaultStorageLib.SHARD_CONFIG_SLOT, AccessList.READ);
            list.add(address(this), VaultStorageLib.LEDGER_SLOT, AccessList.WRITE);
            list.add(address(this), VaultStorageLib.STRATEGY_SLOT, AccessList.READ);
            list.add(address(this), VaultStorageLib.balanceSlot(feeRecipient), AccessList.WRITE);
            _declareStrategy(list, IStrategy.totalAssets.selector);
        } else if (sel == this.allocate.selector || sel == this.deallocate.selector) {
            _declareAllocation(list, sel, data);
        } else if (sel == this.setStrategy.selector) {
            address next = abi.decode(data[4:], (address));
            list.add(address(this), VaultStorageLib.LEDGER_SLOT, AccessList.READ);
            list.add(address(this), VaultStorageLib.STRATEGY_SLOT, AccessList.WRITE);
            if (next != address(0)) list.add(next, AccessList.ANY_SLOT, AccessList.READ);
        } else if (sel == this.setDepositLimit.selector) {
            list.add(address(this), VaultStorageLib.PRICE_SLOT, AccessList.WRITE);
            list.add(address(this), VaultStorageLib.DEPOSIT_LIMIT_SLOT, AccessList.WRITE);
        } else if (sel == this.setPerformanceFee.selector) {
            list.add(address(this), VaultStorageLib.LEDGER_SLOT, AccessList.WRITE);
        } else if (sel == this.setProfitUnlockPeriod.selector) {
            list.add(address(this), VaultStorageLib.PRICE_SLOT, AccessList.WRITE);
        } else if (sel == this.setShardCount.selector) {
            uint256 count = abi.decode(data[4:], (uint256));
            list.add(address(this), VaultStorageLib.SHARD_CONFIG_SLOT, AccessList.WRITE);
            // Each new escrow approves the vault in the asset at construction.
            for (uint256 k = shardCount(); k < count && k < MAX_SHARDS; ++k) {
                list.add(address(_asset), _assetSlot(escrowOf(k), address(this)), AccessList.WRITE);
            }
        } else if (sel == this.transferOwnership.selector) {
            list.add(address(this), VaultStorageLib.PENDING_OWNER_SLOT, AccessList.WRITE);
        } else if (sel == this.acceptOwnership.selector) {
            list.add(address(this), VaultStorageLib.OWNER_SLOT, AccessList.WRITE);
            list.add(address(this), VaultStorageLib.PENDING_OWNER_SLOT, AccessList.WRITE);
        } else {
            return false;
        }
        return true;
    }

    /// `allocate` and `deallocate`: the shard and the ledger, the asset transfer between the
    /// shard's escrow and the strategy, and the strategy's own call. The price is untouched
    /// (assets only move between the escrow and the strategy).
    function _declareAllocation(AccessList.Builder memory list, bytes4 sel, bytes calldata data) private view {
        (uint256 shard, ) = abi.decode(data[4:], (uint256, uint256));
        list.add(address(this), VaultStorageLib.STRATEGY_SLOT, AccessList.READ);
        list.add(address(this), VaultStorageLib.SHARD_CONFIG_SLOT, AccessList.READ);
        list.add(address(this), VaultStorageLib.LEDGER_SLOT, AccessList.WRITE);
        if (shard < shardCount()) {
            list.add(address(this), VaultStorageLib.shardSlot(shard), AccessList.WRITE);
            address strat = address(strategy);
            if (sel == this.allocate.selector) {
                // The escrow pays the strategy, which then deposits (its declaration).
                _declareTransferFrom(list, escrowOf(shard), strat);
            } else {
                // The strategy pays the escrow (the receiver of its withdraw).
                list.add(address(_asset), _assetSlot(escrowOf(shard), address(0)), AccessList.WRITE);
            }
        }
        _declareStrategy(
            list,
            sel == this.allocate.selector ? IStrategy.deposit.selector : IStrategy.withdraw.selector
        );
    }

    // =====================================================================================
    // Internals: price
    // =====================================================================================

    /// Every shard's idle assets and supply (the report's aggregation; views use it too).
    /// The shard words are ShardedTotals words (supply low, idle high) at VaultStorageLib.SHARDS_SLOT.
    function _sums() internal view returns (uint256 idle, uint256 supply) {
        (supply, idle) = ShardedTotals.sum(VaultStorageLib.SHARDS_SLOT, 1, shardCount());
    }

    function _pack(
        uint256 start,
        uint256 end,
        uint256 time,
        uint256 period,
        uint256 limited
    ) internal pure returns (uint256) {
        return LinearUnlock.pack(start, end, time, period, limited);
    }

    /// The schedule's end price: what deposits and mints pay.
    function _endPrice(uint256 w) internal pure returns (uint256) {
        return LinearUnlock.endPrice(w);
    }

    /// The price at this block's timestamp (LinearUnlock: rounded down, never counts profit
    /// early, the end price once the period is over).
    function _priceNow(uint256 w) internal view returns (uint256) {
        return LinearUnlock.priceNow(w);
    }

    /// The deposit limit, given the price word (its slot is read only when one is set).
    function _limitOf(uint256 w) internal view returns (uint256) {
        return w & LIMITED == 0 ? NO_LIMIT : _depositLimit;
    }

    function _toShares(uint256 assets, uint256 price, Math.Rounding r) internal pure returns (uint256) {
        return _mulDiv(assets, PRICE_ONE, price, r);
    }

    function _toAssets(uint256 shares, uint256 price, Math.Rounding r) internal pure returns (uint256) {
        return _mulDiv(shares, price, PRICE_ONE, r);
    }

    /// x * y / d rounded as `r`: one multiplication when x * y fits in 256 bits (always, for
    /// amounts below 2**128), else OpenZeppelin's 512-bit mulDiv. `d` is never zero here.
    function _mulDiv(uint256 x, uint256 y, uint256 d, Math.Rounding r) private pure returns (uint256 z) {
        if (x > type(uint128).max || y > type(uint128).max) return Math.mulDiv(x, y, d, r);
        unchecked {
            uint256 p = x * y; // < 2**256: both factors are below 2**128
            z = p / d;
            if (r == Math.Rounding.Ceil && p % d != 0) ++z;
        }
    }

    /// Room in shard k at price p: its uint128 counters, and its part of the deposit limit.
    function _maxDeposit(uint256 k, uint256 p, uint256 limit) internal view returns (uint256 max) {
        Shard memory sh = _shards[k];
        max = Math.min(type(uint128).max - sh.idle, _toAssets(type(uint128).max - sh.supply, p, Math.Rounding.Floor));
        if (limit == NO_LIMIT) return max;
        uint256 cap = limit / shardCount();
        uint256 value = _toAssets(sh.supply, p, Math.Rounding.Ceil);
        return value >= cap ? 0 : Math.min(max, cap - value);
    }

    /// Assets a withdrawal can get: every shard escrow, then the strategy (up to the debt).
    function _liquidity() internal view returns (uint256 liquidity) {
        (liquidity, ) = _sums();
        IStrategy strat = strategy;
        if (address(strat) != address(0)) liquidity += Math.min(strat.maxWithdraw(), _ledger.debt);
    }

    // =====================================================================================
    // Internals: moving shares and assets
    // =====================================================================================

    function _shardOf(address account) internal view returns (uint256) {
        return _shardOfWord(account, _balances[account]);
    }

    /// The shard of `account`, given its balance word: the one assigned when it first received
    /// shares, else its address modulo the shard count in force.
    function _shardOfWord(address account, uint256 word) internal view returns (uint256) {
        uint256 tag = word >> TAG_SHIFT;
        if (tag != 0) return tag - 1;
        return AccountShard.shardOf(account, _activeShards());
    }

    /// The shard count in force in this block (a pending increase applies from its block on).
    function _activeShards() internal view returns (uint256) {
        ShardConfig memory c = _shardConfig;
        return block.number >= c.fromBlock ? c.next : c.count;
    }

    /// Writes `account`'s balance, tagged with its shard `k`.
    function _setBalance(address account, uint256 balance, uint256 k) internal {
        _balances[account] = balance | ((k + 1) << TAG_SHIFT);
    }

    function _enter(uint256 k, address receiver, uint256 word, uint256 assets, uint256 shares) internal {
        Shard memory m = _shards[k];
        _shards[k] = Shard((m.supply + shares).toUint128(), (m.idle + assets).toUint128());
        // The balance is at most the shard's supply, which fits in 128 bits (checked above).
        _setBalance(receiver, (word & BALANCE_MASK) + shares, k);
        emit Transfer(address(0), receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
        _asset.safeTransferFrom(msg.sender, escrowOf(k), assets);
    }

    /// Burns `shares` of `owner_` (whose balance word `word` the caller read and checked:
    /// 0 < shares <= its balance, so the owner has a shard tag, which the word keeps).
    function _exit(
        address owner_,
        address receiver,
        uint256 assets,
        uint256 shares,
        uint256 word,
        bool withFallback
    ) internal {
        if (msg.sender != owner_) _spendAllowance(owner_, msg.sender, shares);
        uint256 k = _shardOfWord(owner_, word);
        Shard memory m = _shards[k];
        unchecked {
            _balances[owner_] = word - shares; // shares <= the balance bits, checked by the caller
        }
        emit Transfer(owner_, address(0), shares);
        emit Withdraw(msg.sender, receiver, owner_, assets, shares);
        if (assets <= m.idle) {
            // shares <= owner's balance <= its shard's supply; assets <= idle: no underflow.
            _shards[k] = Shard(m.supply - uint128(shares), m.idle - uint128(assets));
            _pay(k, receiver, assets);
            return;
        }
        if (!withFallback) revert InsufficientLiquidity(assets, m.idle);
        _shards[k] = Shard(m.supply - uint128(shares), 0);
        _fallbackPay(k, m.idle, assets, receiver);
    }

    /// The owner's shard escrow (holding `own` < `assets`) is short: it pays all it has, the
    /// strategy what it can (up to the debt), the other shards' escrows (from shard k + 1 on,
    /// wrapping) the rest. Idle assets are fungible: a share's claim is on the vault, not on
    /// the escrow its deposit went to, so a shard drained by another shard's holders (a
    /// cross-shard transfer then an exit, issue #22) cannot block its own holders' exits.
    function _fallbackPay(uint256 k, uint256 own, uint256 assets, address receiver) private {
        uint256 rest = assets - own;
        IStrategy strat = strategy;
        uint256 debt = _ledger.debt;
        uint256 fromStrategy = address(strat) == address(0) ? 0 : Math.min(Math.min(strat.maxWithdraw(), debt), rest);
        rest -= fromStrategy;
        if (fromStrategy != 0) _ledger.debt = uint128(debt - fromStrategy);
        uint256 n = shardCount();
        uint256[] memory drawn = new uint256[](n);
        drawn[k] = own;
        for (uint256 i = 1; i < n && rest != 0; ++i) {
            uint256 j = (k + i) % n;
            uint256 idle = _shards[j].idle;
            uint256 take = Math.min(idle, rest);
            if (take == 0) continue;
            _shards[j].idle = uint128(idle - take);
            drawn[j] = take;
            rest -= take;
        }
        if (rest != 0) revert InsufficientLiquidity(assets, assets - rest);
        for (uint256 j = 0; j < n; ++j) {
            if (drawn[j] != 0) _pay(j, receiver, drawn[j]);
        }
        if (fromStrategy != 0) strat.withdraw(fromStrategy, receiver);
    }

    /// Pays `assets` out of shard `k`'s escrow: shard 0's escrow is this vault, which pays by
    /// `transfer` (no allowance to read); escrow k > 0 approved the vault at its construction.
    function _pay(uint256 k, address to, uint256 assets) private {
        if (k == 0) _asset.safeTransfer(to, assets);
        else _asset.safeTransferFrom(escrowOf(k), to, assets);
    }

    function _transfer(address from, address to, uint256 amount) internal {
        if (to == address(0)) revert InvalidAddress();
        uint256 fromWord = _balances[from];
        uint256 bal = fromWord & BALANCE_MASK;
        if (amount > bal) revert InsufficientBalance(from, bal, amount);
        uint256 kf = _shardOfWord(from, fromWord);
        _setBalance(from, bal - amount, kf);
        uint256 toWord = _balances[to];
        uint256 kt = _shardOfWord(to, toWord);
        _setBalance(to, (toWord & BALANCE_MASK) + amount, kt);
        // Transfers keep the total supply; between reports the price does not depend on it.
        if (kf != kt) {
            _shards[kf].supply -= uint128(amount);
            _shards[kt].supply += uint128(amount);
        }
        emit Transfer(from, to, amount);
    }

    function _spendAllowance(address owner_, address spender, uint256 amount) internal {
        uint256 allowed = allowance[owner_][spender];
        if (allowed == type(uint256).max) return;
        if (amount > allowed) revert InsufficientAllowance(spender, allowed, amount);
        allowance[owner_][spender] = allowed - amount;
    }

    function _assetDecimals(IERC20 asset_) private view returns (uint8) {
        (bool ok, bytes memory data) = address(asset_).staticcall(abi.encodeCall(IERC20Metadata.decimals, ()));
        if (ok && data.length == 32) {
            uint256 d = abi.decode(data, (uint256));
            if (d <= 64) return uint8(d);
        }
        return 18;
    }

    // =====================================================================================
    // Internals: access lists
    // =====================================================================================

    /// A `transferFrom(from, to)` of the asset by this vault: the allowance (written unless
    /// infinite; declared written) and both balances, or the asset's whole account if its
    /// layout is not registered.
    function _declareTransferFrom(AccessList.Builder memory list, address from, address to) private view {
        // Shard 0's escrow is this vault: it pays by `transfer`, reading no allowance.
        if (from != address(this)) list.add(address(_asset), _assetSlot(from, address(this)), AccessList.WRITE);
        list.add(address(_asset), _assetSlot(from, address(0)), AccessList.WRITE);
        list.add(address(_asset), _assetSlot(to, address(0)), AccessList.WRITE);
    }

    /// An asset slot from `tokenLayouts`: `account`'s balance (`spender` zero) or allowance to
    /// `spender`; ANY_SLOT without a registry or when it does not know the asset.
    function _assetSlot(address account, address spender) private view returns (bytes32) {
        ITokenLayoutRegistry registry = tokenLayouts;
        if (address(registry) == address(0)) return AccessList.ANY_SLOT;
        return registry.tokenSlot(address(_asset), account, spender);
    }

    function _declareStrategy(AccessList.Builder memory list, bytes4 selector) private view {
        IStrategy strat = strategy;
        if (address(strat) == address(0)) return;
        Access[] memory more = strat.declareStrategyAccess(selector);
        list.addAll(more);
    }

    function _declareTransfer(AccessList.Builder memory list, address from, address to) private view {
        list.add(address(this), VaultStorageLib.balanceSlot(from), AccessList.WRITE);
        list.add(address(this), VaultStorageLib.balanceSlot(to), AccessList.WRITE);
        (uint256 f1, uint256 f2) = _candidateShards(list, from);
        (uint256 t1, uint256 t2) = _candidateShards(list, to);
        if (f1 == f2 && t1 == t2 && f1 == t1) return; // one shard: its supply is unchanged
        list.add(address(this), VaultStorageLib.shardSlot(f1), AccessList.WRITE);
        list.add(address(this), VaultStorageLib.shardSlot(f2), AccessList.WRITE);
        list.add(address(this), VaultStorageLib.shardSlot(t1), AccessList.WRITE);
        list.add(address(this), VaultStorageLib.shardSlot(t2), AccessList.WRITE);
    }

    /// The shard `account` may be in when the declared call runs: the one it holds, else its
    /// address modulo the count in force, which may be either count while an increase is
    /// pending (then the call also reads the shard count).
    function _candidateShards(
        AccessList.Builder memory list,
        address account
    ) private view returns (uint256 k1, uint256 k2) {
        uint256 tag = _balances[account] >> TAG_SHIFT;
        if (tag != 0) return (tag - 1, tag - 1);
        list.add(address(this), VaultStorageLib.SHARD_CONFIG_SLOT, AccessList.READ);
        ShardConfig memory c = _shardConfig;
        k2 = AccountShard.shardOf(account, c.next);
        k1 = block.number >= c.fromBlock ? k2 : AccountShard.shardOf(account, c.count);
    }
}
