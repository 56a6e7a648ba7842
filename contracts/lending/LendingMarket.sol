// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {ILendingMarket} from "../interfaces/ILendingMarket.sol";
import {IPriceOracle} from "./IPriceOracle.sol";
import {KinkedRate} from "./KinkedRate.sol";
import {EscrowShards} from "../libraries/EscrowShards.sol";
import {AccountShard} from "../libraries/AccountShard.sol";
import {LendingStorageLib} from "./LendingStorageLib.sol";
import {LendingDeclarer} from "./LendingDeclarer.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";
import {InterestIndex} from "../libraries/InterestIndex.sol";
import {ReentrancyLockTransient} from "../libraries/ReentrancyLockTransient.sol";

/// @title LendingMarket
/// @notice An isolated lending market (one loan asset, one collateral asset) whose
/// transactions touch disjoint storage: positions are per user, totals live in K shards (a
/// position's shard is its address modulo the count in force when it is opened, kept as a tag;
/// the owner may grow K), liquidity sits in K escrow contracts, and the
/// interest indices form a snapshot written at most once per block from stored rates, which
/// `refreshRates` (anyone, once per epoch) refreshes from the shards: no other operation reads
/// them all. See docs/lending.md.
/// @dev Storage map: `LendingStorageLib` names every slot (part of the access-list interface,
/// tested against observed accesses). The access declarations live in `LendingDeclarer`,
/// deployed by the constructor; `declareAccess` forwards to it.
contract LendingMarket is ILendingMarket, Ownable2Step, ReentrancyLockTransient {
    using SafeERC20 for IERC20;

    /// @notice Construction parameters of a market.
    /// @param loanToken Asset supplied and borrowed.
    /// @param collateralToken Asset pledged by borrowers.
    /// @param oracle Price of one collateral unit in loan units, scaled by 1e36.
    /// @param shardCount K, the initial number of shards and escrows (1 to 64; may grow).
    /// @param lltv Liquidation loan-to-value, 1e18 = 100%.
    /// @param liquidationBonus Collateral paid per unit of repaid debt value, 1e18 = no bonus.
    /// @param maxPriceAge Oldest accepted oracle observation, in seconds.
    /// @param baseRate Borrow rate per second at 0% utilization, 1e18 scale.
    /// @param slope1 Rate added from 0% up to the kink.
    /// @param slope2 Rate added from the kink up to 100%.
    /// @param kink Target utilization, 1e18 scale.
    struct Params {
        IERC20 loanToken;
        IERC20 collateralToken;
        IPriceOracle oracle;
        uint256 shardCount;
        uint256 lltv;
        uint256 liquidationBonus;
        uint256 maxPriceAge;
        uint256 baseRate;
        uint256 slope1;
        uint256 slope2;
        uint256 kink;
    }

    /// @dev Two slots per shard: the snapshot's inputs in the first (with a count of bad-debt
    /// events, so that the snapshot reads the second slot only when bad debt is new), cumulative
    /// bad debt in the second. The shard's liquidity is not booked here: it is its escrow's
    /// loan-token balance, which every transfer in or out writes anyway.
    struct Shard {
        uint112 supplyShares;
        uint112 borrowShares;
        uint32 badDebtEvents;
        uint128 badDebt;
    }

    /// @dev Bad debt already charged to suppliers, and how many events it covers.
    struct BadDebtBook {
        uint128 applied;
        uint128 pending;
    }

    /// @dev A borrower's side of a position, in one slot: a borrow against collateral deposited
    /// earlier, a repayment and a liquidation each write this slot alone.
    /// `shard` is the loan's shard + 1 (0 until the position is first written), kept when the
    /// shard count grows.
    struct Loan {
        uint112 borrowShares;
        uint16 shard;
        uint128 collateral;
    }

    /// @dev Two slots per user: supply shares and their shard tag in the first (lender paths;
    /// `LendingStorageLib.SUPPLY_TAG_SHIFT`), the loan in the second (borrower paths).
    struct Account {
        uint256 supplyWord;
        Loan loan;
    }

    uint256 internal constant WAD = 1e18;
    uint256 internal constant ORACLE_SCALE = 1e36;
    /// @notice Largest supported shard count.
    uint256 public constant MAX_SHARDS = 64;
    /// @dev Shards 0..15 sit before the positions mapping (slots 5..36), shards 16..63 after it
    /// (slots 38..133), so that the slots of markets with K <= 16 never moved.
    uint256 internal constant LOW_SHARDS = 16; // = LendingStorageLib.LOW_SHARDS (array lengths need a literal)
    uint256 internal constant INDEX_MASK = InterestIndex.MAX_INDEX;
    /// @notice Highest borrow rate a market accepts, per second (1e18 scale): about 315% a year.
    /// An index compounded at this rate, however often, stays below 2^96 for ln(2^96 / 1e18) /
    /// MAX_RATE = 2.5e8 seconds (7.9 years) of uninterrupted full utilization; past that, accrual
    /// saturates instead of reverting (docs/lending.md, "Liveness").
    uint256 public constant MAX_RATE = 1e11;
    uint256 internal constant FLAG_PAUSED = 1;
    uint256 internal constant FLAG_CAPPED = 2;

    /// @notice Default rate epoch: the rate is refreshed from the shards at most once an hour.
    uint256 public constant DEFAULT_RATE_EPOCH = 1 hours;
    /// @notice Longest rate epoch the owner may set.
    uint256 public constant MAX_RATE_EPOCH = 7 days;

    /// @notice Asset supplied and borrowed.
    IERC20 public immutable loanToken;
    /// @notice Asset pledged as collateral.
    IERC20 public immutable collateralToken;
    /// @notice Collateral price feed.
    IPriceOracle public immutable oracle;
    /// @notice Liquidation loan-to-value (1e18 = 100%).
    uint256 public immutable lltv;
    /// @notice Liquidation bonus factor (1e18 = none).
    uint256 public immutable liquidationBonus;
    /// @notice Oldest accepted oracle observation, in seconds.
    uint256 public immutable maxPriceAge;
    /// @notice Interest-rate model parameters (per second, 1e18 scale).
    uint256 public immutable baseRate;
    /// @notice Rate added from 0% up to the kink.
    uint256 public immutable slope1;
    /// @notice Rate added from the kink up to 100%.
    uint256 public immutable slope2;
    /// @notice Target utilization.
    uint256 public immutable kink;
    /// @notice The contract that computes this market's access declarations (`declareAccess`).
    LendingDeclarer public immutable declarer;
    /// @dev Shard i's escrow (a `ShardEscrow`) is this market's CREATE child at nonce
    /// i + ESCROW_NONCE_OFFSET (`EscrowShards`): nonce 1 is the declarer, created first.
    uint256 internal constant ESCROW_NONCE_OFFSET = 2;

    Config internal _config; // slot 2
    uint256 internal _snapshot; // slot 3: supplyIndex (96) | borrowIndex (96) | lastUpdate (40) | flags (24)
    RateBook internal _rates; // slot 4
    Shard[LOW_SHARDS] internal _shards; // slots 5..36
    mapping(address user => Account) internal _accounts; // slot 37
    Shard[MAX_SHARDS - LOW_SHARDS] internal _highShards; // slots 38..133
    BadDebtBook internal _badDebtBook; // slot 134

    /// @notice Loan assets supplied.
    event Supply(address indexed user, uint256 assets, uint256 shares);
    /// @notice Loan assets withdrawn.
    event Withdraw(address indexed user, address indexed receiver, uint256 assets, uint256 shares);
    /// @notice Collateral deposited.
    event DepositCollateral(address indexed user, uint256 assets);
    /// @notice Collateral withdrawn.
    event WithdrawCollateral(address indexed user, address indexed receiver, uint256 assets);
    /// @notice Loan assets borrowed.
    event Borrow(address indexed user, address indexed receiver, uint256 assets, uint256 shares);
    /// @notice Debt repaid.
    event Repay(address indexed payer, address indexed onBehalf, uint256 assets, uint256 shares);
    /// @notice An unhealthy position was liquidated; `badDebt` is debt left without collateral.
    event Liquidate(
        address indexed liquidator,
        address indexed borrower,
        uint256 repaid,
        uint256 seized,
        uint256 badDebt
    );
    /// @notice The per-block snapshot was taken; `socializedBadDebt` was charged to suppliers.
    event Accrue(uint256 supplyIndex, uint256 borrowIndex, uint256 borrowRate, uint256 socializedBadDebt);
    /// @notice The rates were refreshed from the shards' totals.
    event RatesRefreshed(uint256 epoch, uint256 utilization, uint256 borrowRate, uint256 supplyRate);
    /// @notice The rate epoch changed.
    event RateEpochSet(uint256 epochLength);
    /// @notice Pause flag changed.
    event PausedSet(bool paused);
    /// @notice Caps changed.
    event CapsSet(uint256 supplyCap, uint256 borrowCap);
    /// @notice The shard count grows to `count` from the next timestamp on.
    event ShardCountSet(uint256 count);

    error InvalidParams(string what);
    error ZeroAmount();
    error ZeroShares();
    error ZeroAddress();
    error Paused();
    error InsufficientShares(uint256 have, uint256 need);
    error InsufficientCollateral(uint256 have, uint256 need);
    error InsufficientLiquidity(uint256 requested, uint256 available);
    error SupplyCapExceeded(uint256 shardSupply, uint256 shardCap);
    error BorrowCapExceeded(uint256 shardBorrow, uint256 shardCap);
    error UnhealthyPosition(uint256 debt, uint256 maxDebt);
    error HealthyPosition(uint256 debt, uint256 maxDebt);
    error NoDebt();
    error RepayExceedsDebt(uint256 shares, uint256 debtShares);
    error StalePrice(uint256 updatedAt, uint256 maxAge);
    error InvalidPrice();
    error RefreshNotFirstInBlock();
    error RatesFresh(uint256 epoch);
    /// A change is already pending in this timestamp.
    error ShardCountChangePending(uint256 next);
    /// Shards never shrink (positions and cash tagged to the upper shards would be stranded).
    error ShardCountNotIncreased(uint256 current, uint256 requested);

    /// @notice Deploys the market and its K escrows.
    /// @param p Market parameters (see Params).
    /// @param initialOwner Holder of the pause and cap controls.
    /// @param tokenLayouts_ Token layout registry read by the declarer (zero for none).
    constructor(Params memory p, address initialOwner, ITokenLayoutRegistry tokenLayouts_) Ownable(initialOwner) {
        if (address(p.loanToken) == address(0) || address(p.collateralToken) == address(0)) {
            revert InvalidParams("token");
        }
        if (p.loanToken == p.collateralToken) revert InvalidParams("same token");
        if (address(p.oracle) == address(0)) revert InvalidParams("oracle");
        if (p.shardCount == 0 || p.shardCount > MAX_SHARDS) revert InvalidParams("shardCount");
        if (p.lltv == 0 || p.lltv >= WAD) revert InvalidParams("lltv");
        // A position liquidated at the boundary must leave collateral for the rest of its debt.
        if (p.liquidationBonus < WAD || (p.lltv * p.liquidationBonus) / WAD >= WAD) {
            revert InvalidParams("liquidationBonus");
        }
        if (p.maxPriceAge == 0) revert InvalidParams("maxPriceAge");
        if (p.kink == 0 || p.kink >= WAD) revert InvalidParams("kink");
        // Bounds index growth: no index can reach 2^96 within INDEX_HORIZON (docs/lending.md).
        if (p.baseRate + p.slope1 + p.slope2 > MAX_RATE) revert InvalidParams("rate");

        loanToken = p.loanToken;
        collateralToken = p.collateralToken;
        oracle = p.oracle;
        lltv = p.lltv;
        liquidationBonus = p.liquidationBonus;
        maxPriceAge = p.maxPriceAge;
        baseRate = p.baseRate;
        slope1 = p.slope1;
        slope2 = p.slope2;
        kink = p.kink;
        declarer = new LendingDeclarer(
            address(p.loanToken),
            address(p.collateralToken),
            address(p.oracle),
            tokenLayouts_
        );

        _createEscrows(p.loanToken, p.collateralToken, 0, p.shardCount);

        _config = Config({supplyCap: type(uint128).max, borrowCap: type(uint128).max});
        _snapshot = _pack(WAD, WAD, block.timestamp, (p.shardCount << 8) | (p.shardCount << 16));
        _initRates(p.baseRate);
    }

    /// @dev Creates the escrows of shards `from` to `to` - 1, in order: CREATE at nonce
    /// shard + ESCROW_NONCE_OFFSET, each checked to land where `escrowOf` says (EscrowShards).
    function _createEscrows(IERC20 loan, IERC20 collateral, uint256 from, uint256 to) internal {
        for (uint256 i = from; i < to; ++i) EscrowShards.deploy(i + ESCROW_NONCE_OFFSET, loan, collateral);
    }

    /// @dev The first epoch's rates: the base rate, nothing credited (nothing is lent yet).
    function _initRates(uint256 base) internal {
        _rates = RateBook({
            borrowRate: uint40(base),
            supplyRate: 0,
            utilization: 0,
            epoch: uint40(block.timestamp / DEFAULT_RATE_EPOCH),
            epochLength: uint32(DEFAULT_RATE_EPOCH)
        });
    }

    // ------------------------------------------------------------------ lender side

    /// @inheritdoc ILendingMarket
    function supply(uint256 assets) external nonReentrant returns (uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        Snapshot memory snap = _accrue();
        if (snap.flags & FLAG_PAUSED != 0) revert Paused();
        // Priced at the index the epoch will end with: new supply earns from the next refresh,
        // when it enters the utilization that sets the rates (docs/lending.md, "Stored rates").
        (uint256 supplyIndexAtEnd, ) = _epochEndIndices(snap);
        shares = (assets * WAD) / supplyIndexAtEnd;
        if (shares == 0) revert ZeroShares();

        Account storage acc = _accounts[msg.sender];
        uint256 word = acc.supplyWord;
        uint256 tag = LendingStorageLib.supplyTag(word);
        uint256 s = tag != 0 ? tag - 1 : AccountShard.shardOf(msg.sender, _count(snap));
        Shard storage shard = _shard(s);
        uint256 shardShares = shard.supplyShares + shares;
        if (snap.flags & FLAG_CAPPED != 0) {
            uint256 shardSupply = (shardShares * snap.supplyIndex) / WAD;
            uint256 shardCap = _config.supplyCap / _count(snap);
            if (shardSupply > shardCap) revert SupplyCapExceeded(shardSupply, shardCap);
        }

        shard.supplyShares = SafeCast.toUint112(shardShares);
        // Below 2^112 (the shard's total), so the tag's byte stays clear.
        acc.supplyWord =
            ((word & LendingStorageLib.SUPPLY_SHARES_MASK) + shares) | ((s + 1) << LendingStorageLib.SUPPLY_TAG_SHIFT);

        loanToken.safeTransferFrom(msg.sender, escrowOf(s), assets);
        emit Supply(msg.sender, assets, shares);
    }

    /// @inheritdoc ILendingMarket
    function withdraw(
        uint256 assets,
        address receiver,
        uint256 sources
    ) external nonReentrant returns (uint256 withdrawn, uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        Snapshot memory snap = _accrue();
        _checkSources(sources, snap);
        Account storage acc = _accounts[msg.sender];
        uint256 word = acc.supplyWord;
        uint256 have = word & LendingStorageLib.SUPPLY_SHARES_MASK;
        if (assets == type(uint256).max) {
            shares = have;
            withdrawn = (shares * snap.supplyIndex) / WAD;
        } else {
            shares = _divUp(assets * WAD, snap.supplyIndex);
            withdrawn = assets;
        }
        if (shares > have) revert InsufficientShares(have, shares);
        if (withdrawn == 0) revert ZeroAmount();

        // 0 < shares <= have: the position has a tag, which the word keeps.
        uint256 s = LendingStorageLib.supplyTag(word) - 1;
        acc.supplyWord = word - shares;
        _shard(s).supplyShares -= uint112(shares);
        _payOut(s, sources, withdrawn, receiver, _nextCount(snap));
        emit Withdraw(msg.sender, receiver, withdrawn, shares);
    }

    // ------------------------------------------------------------------ borrower side

    /// @inheritdoc ILendingMarket
    function depositCollateral(uint256 assets) external nonReentrant {
        if (assets == 0) revert ZeroAmount();
        Loan storage loan = _accounts[msg.sender].loan;
        Loan memory cur = loan;
        // A new position takes its shard by the count in force (one read of the snapshot slot).
        if (cur.shard == 0) cur.shard = uint16(AccountShard.shardOf(msg.sender, _countNow()) + 1);
        cur.collateral = SafeCast.toUint128(cur.collateral + assets);
        _accounts[msg.sender].loan = cur;
        collateralToken.safeTransferFrom(msg.sender, escrowOf(cur.shard - 1), assets);
        emit DepositCollateral(msg.sender, assets);
    }

    /// @inheritdoc ILendingMarket
    function withdrawCollateral(uint256 assets, address receiver) external nonReentrant {
        if (assets == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        Loan storage loan = _accounts[msg.sender].loan;
        Loan memory cur = loan;
        if (assets > cur.collateral) revert InsufficientCollateral(cur.collateral, assets);
        uint256 left = cur.collateral - assets;
        loan.collateral = uint128(left);
        // A debt-free position reads neither the snapshot nor the oracle: whatever the market's
        // state, its collateral comes back.
        if (cur.borrowShares != 0) _requireHealthy(cur.borrowShares, left, _accrue().borrowIndex);
        // 0 < assets <= collateral: the loan has a tag.
        collateralToken.safeTransferFrom(escrowOf(cur.shard - 1), receiver, assets);
        emit WithdrawCollateral(msg.sender, receiver, assets);
    }

    /// @inheritdoc ILendingMarket
    function borrow(uint256 assets, address receiver, uint256 sources) external nonReentrant returns (uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        Snapshot memory snap = _accrue();
        _checkSources(sources, snap);
        if (snap.flags & FLAG_PAUSED != 0) revert Paused();
        shares = _divUp(assets * WAD, snap.borrowIndex);

        Loan storage loan = _accounts[msg.sender].loan;
        Loan memory cur = loan;
        // No tag means no collateral: the health check below reverts.
        uint256 s = cur.shard != 0 ? cur.shard - 1 : AccountShard.shardOf(msg.sender, _count(snap));
        Shard storage shard = _shard(s);
        uint256 shardShares = shard.borrowShares + shares;
        if (snap.flags & FLAG_CAPPED != 0) {
            uint256 shardBorrow = _divUp(shardShares * snap.borrowIndex, WAD);
            uint256 shardCap = _config.borrowCap / _count(snap);
            if (shardBorrow > shardCap) revert BorrowCapExceeded(shardBorrow, shardCap);
        }

        uint256 newShares = cur.borrowShares + shares;
        _requireHealthy(newShares, cur.collateral, snap.borrowIndex);
        loan.borrowShares = SafeCast.toUint112(newShares);
        shard.borrowShares = SafeCast.toUint112(shardShares);
        _payOut(s, sources, assets, receiver, _nextCount(snap));
        emit Borrow(msg.sender, receiver, assets, shares);
    }

    /// @inheritdoc ILendingMarket
    function repay(uint256 assets, address onBehalf) external nonReentrant returns (uint256 repaid, uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        if (onBehalf == address(0)) revert ZeroAddress();
        Snapshot memory snap = _accrue();
        Loan storage loan = _accounts[onBehalf].loan;
        Loan memory cur = loan;
        uint256 debtShares = cur.borrowShares;
        if (debtShares == 0) revert NoDebt();
        // Debt leaves at the index the epoch will end with: the interest suppliers are credited
        // until the next refresh was set by this debt, so it pays up to then.
        (, uint256 borrowIndexAtEnd) = _epochEndIndices(snap);
        if (assets == type(uint256).max) {
            shares = debtShares;
            repaid = _divUp(shares * borrowIndexAtEnd, WAD);
        } else {
            shares = (assets * WAD) / borrowIndexAtEnd;
            repaid = assets;
            if (shares == 0) revert ZeroShares();
            if (shares > debtShares) revert RepayExceedsDebt(shares, debtShares);
        }

        uint256 s = cur.shard - 1; // debt implies a tag
        Shard storage shard = _shard(s);
        loan.borrowShares = uint112(debtShares - shares);
        shard.borrowShares -= uint112(shares);
        loanToken.safeTransferFrom(msg.sender, escrowOf(s), repaid);
        emit Repay(msg.sender, onBehalf, repaid, shares);
    }

    /// @inheritdoc ILendingMarket
    function liquidate(
        address borrower,
        uint256 assets
    ) external nonReentrant returns (uint256 repaid, uint256 seized, uint256 badDebt) {
        if (assets == 0) revert ZeroAmount();
        Snapshot memory snap = _accrue();
        Loan memory cur = _accounts[borrower].loan;
        uint256 shares;
        (, uint256 borrowIndexAtEnd) = _epochEndIndices(snap);
        (repaid, seized, shares) = _liquidationAmounts(cur, snap.borrowIndex, borrowIndexAtEnd, assets);
        uint256 s = cur.shard - 1; // debt (checked above) implies a tag
        badDebt = _settleLiquidation(borrower, s, cur, shares, seized, borrowIndexAtEnd);

        address escrow = escrowOf(s);
        loanToken.safeTransferFrom(msg.sender, escrow, repaid);
        if (seized != 0) collateralToken.safeTransferFrom(escrow, msg.sender, seized);
        emit Liquidate(msg.sender, borrower, repaid, seized, badDebt);
    }

    /// @dev What a liquidation repays, seizes and burns; reverts unless the position is unhealthy.
    /// Health is judged on the debt now; the debt is settled, as in repay, at the index the
    /// epoch will end with.
    function _liquidationAmounts(
        Loan memory pos,
        uint256 borrowIndex,
        uint256 borrowIndexAtEnd,
        uint256 assets
    ) internal view returns (uint256 repaid, uint256 seized, uint256 shares) {
        if (pos.borrowShares == 0) revert NoDebt();
        uint256 price = _price();
        uint256 debt = _divUp(uint256(pos.borrowShares) * borrowIndex, WAD);
        uint256 maxDebt = _maxDebt(pos.collateral, price);
        if (debt <= maxDebt) revert HealthyPosition(debt, maxDebt);
        borrowIndex = borrowIndexAtEnd;
        debt = _divUp(uint256(pos.borrowShares) * borrowIndex, WAD);

        repaid = assets < debt ? assets : debt;
        // Collateral for the repaid value plus the bonus, rounded down (protocol's favour).
        seized = (((repaid * liquidationBonus) / WAD) * ORACLE_SCALE) / price;
        if (seized >= pos.collateral) {
            seized = pos.collateral;
            // The liquidator pays for all the collateral, rounded up.
            uint256 cost = _divUp(_divUp(seized * price, ORACLE_SCALE) * WAD, liquidationBonus);
            if (cost < repaid) repaid = cost;
        }
        shares = repaid == debt ? pos.borrowShares : (repaid * WAD) / borrowIndex;
        if (shares == 0) revert ZeroShares();
    }

    /// @dev Writes the liquidated position and its shard; writes off debt left without collateral.
    function _settleLiquidation(
        address borrower,
        uint256 s,
        Loan memory pos,
        uint256 shares,
        uint256 seized,
        uint256 borrowIndex
    ) internal returns (uint256 badDebt) {
        uint256 leftShares = pos.borrowShares - shares;
        uint256 leftCollateral = pos.collateral - seized;
        Shard storage sh = _shard(s);
        uint256 burned = shares;
        if (leftCollateral == 0 && leftShares != 0) {
            badDebt = _divUp(leftShares * borrowIndex, WAD);
            burned += leftShares;
            leftShares = 0;
            // Books saturate rather than revert: a liquidation always settles.
            sh.badDebt = _addSat128(sh.badDebt, badDebt);
            unchecked {
                sh.badDebtEvents += 1; // a counter of events: wrapping is harmless
            }
            // Charged to all suppliers by the next block's snapshot, which reads this book.
            _badDebtBook.pending = _addSat128(_badDebtBook.pending, badDebt);
        }
        pos.borrowShares = uint112(leftShares);
        pos.collateral = uint128(leftCollateral);
        _accounts[borrower].loan = pos;
        sh.borrowShares -= uint112(burned);
    }

    /// @inheritdoc ILendingMarket
    function accrue() external nonReentrant {
        _accrue();
    }

    /// @inheritdoc ILendingMarket
    function refreshRates() external nonReentrant {
        RateBook memory rb = _rates;
        uint256 epoch = block.timestamp / rb.epochLength;
        if (epoch == rb.epoch) revert RatesFresh(epoch);
        if (_unpack(_snapshot).lastUpdate == block.timestamp) revert RefreshNotFirstInBlock();
        Snapshot memory snap = _accrue(); // charges any pending bad debt first
        _refreshed(snap, rb, epoch);
        _rates = rb;
        emit RatesRefreshed(rb.epoch, rb.utilization, rb.borrowRate, rb.supplyRate);
    }

    // ------------------------------------------------------------------ owner

    /// @inheritdoc ILendingMarket
    function setPaused(bool paused_) external onlyOwner {
        Snapshot memory snap = _accrue();
        _setFlag(snap, FLAG_PAUSED, paused_);
        emit PausedSet(paused_);
    }

    /// @inheritdoc ILendingMarket
    function setCaps(uint128 supplyCap, uint128 borrowCap) external onlyOwner {
        Snapshot memory snap = _accrue();
        _config = Config({supplyCap: supplyCap, borrowCap: borrowCap});
        _setFlag(snap, FLAG_CAPPED, supplyCap != type(uint128).max || borrowCap != type(uint128).max);
        emit CapsSet(supplyCap, borrowCap);
    }

    /// @inheritdoc ILendingMarket
    function setRateEpoch(uint256 epochLength) external onlyOwner {
        if (epochLength == 0 || epochLength > MAX_RATE_EPOCH) revert InvalidParams("epochLength");
        Snapshot memory snap = _accrue(); // charges any pending bad debt
        RateBook memory rb = _rates;
        rb.epochLength = uint32(epochLength);
        _refreshed(snap, rb, block.timestamp / epochLength);
        _rates = rb;
        emit RatesRefreshed(rb.epoch, rb.utilization, rb.borrowRate, rb.supplyRate);
        emit RateEpochSet(epochLength);
    }

    /// @inheritdoc ILendingMarket
    function setShardCount(uint256 count) external onlyOwner {
        Snapshot memory snap = _accrue();
        uint256 next = _nextCount(snap);
        if (next != _count(snap)) revert ShardCountChangePending(next);
        if (count <= next) revert ShardCountNotIncreased(next, count);
        if (count > MAX_SHARDS) revert InvalidParams("shardCount");
        // In force from the next timestamp: this block keeps the count it started with, so every
        // transaction of the block places new positions alike, whatever their order.
        snap.flags = (snap.flags & ~uint256(0xff << 16)) | (count << 16);
        _snapshot = _pack(snap.supplyIndex, snap.borrowIndex, snap.lastUpdate, snap.flags);
        _createEscrows(loanToken, collateralToken, next, count);
        emit ShardCountSet(count);
    }

    /// @inheritdoc ILendingMarket
    function rates() external view returns (RateBook memory) {
        return _rates;
    }

    /// @dev Owner flags live in the snapshot slot so that supply and borrow read one slot fewer.
    /// Setting one first brings the snapshot up to date, so the block's snapshot is unaffected.
    function _setFlag(Snapshot memory snap, uint256 flag, bool on) internal {
        uint256 flags = on ? snap.flags | flag : snap.flags & ~flag;
        _snapshot = _pack(snap.supplyIndex, snap.borrowIndex, snap.lastUpdate, flags);
    }

    /// @inheritdoc ILendingMarket
    function paused() external view returns (bool) {
        return _unpack(_snapshot).flags & FLAG_PAUSED != 0;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ILendingMarket
    function shardOf(address user) external view returns (uint256) {
        uint256 tag = LendingStorageLib.supplyTag(_accounts[user].supplyWord);
        return tag != 0 ? tag - 1 : AccountShard.shardOf(user, _countNow());
    }

    /// @inheritdoc ILendingMarket
    function loanShardOf(address user) external view returns (uint256) {
        uint256 tag = _accounts[user].loan.shard;
        return tag != 0 ? tag - 1 : AccountShard.shardOf(user, _countNow());
    }

    /// @inheritdoc ILendingMarket
    function shardCount() external view returns (uint256) {
        return _countNow();
    }

    /// @inheritdoc ILendingMarket
    function nextShardCount() external view returns (uint256) {
        return _snapshot >> LendingStorageLib.NEXT_SHARD_COUNT_SHIFT;
    }

    /// @inheritdoc ILendingMarket
    function escrowOf(uint256 s) public view returns (address) {
        return EscrowShards.addressOf(s + ESCROW_NONCE_OFFSET);
    }

    /// @inheritdoc ILendingMarket
    function snapshot() external view returns (Snapshot memory snap) {
        return _unpack(_snapshot);
    }

    /// @inheritdoc ILendingMarket
    function shardTotals(uint256 s) external view returns (ShardTotals memory t) {
        Shard memory sh = _shard(s);
        t.supplyShares = sh.supplyShares;
        t.borrowShares = sh.borrowShares;
        t.badDebtEvents = sh.badDebtEvents;
        t.cash = loanToken.balanceOf(escrowOf(s));
        t.badDebt = sh.badDebt;
    }

    /// @inheritdoc ILendingMarket
    function position(address user) external view returns (Position memory) {
        Account storage acc = _accounts[user];
        Loan memory cur = acc.loan;
        return
            Position({
                supplyShares: acc.supplyWord & LendingStorageLib.SUPPLY_SHARES_MASK,
                borrowShares: cur.borrowShares,
                collateral: cur.collateral
            });
    }

    /// @inheritdoc ILendingMarket
    function getConfig() external view returns (Config memory) {
        return _config;
    }

    /// @inheritdoc ILendingMarket
    function badDebtSocialized() external view returns (uint256) {
        return _badDebtBook.applied;
    }

    /// @inheritdoc ILendingMarket
    function totals()
        external
        view
        returns (
            uint256 supplyShares,
            uint256 borrowShares,
            uint256 supplyAssets,
            uint256 borrowAssets,
            uint256 cash,
            uint256 pendingBadDebt
        )
    {
        uint256 k = _snapshot >> LendingStorageLib.NEXT_SHARD_COUNT_SHIFT;
        for (uint256 i = 0; i < k; ++i) {
            Shard memory sh = _shard(i);
            supplyShares += sh.supplyShares;
            borrowShares += sh.borrowShares;
            cash += loanToken.balanceOf(escrowOf(i));
        }
        Snapshot memory snap = _unpack(_snapshot);
        supplyAssets = (supplyShares * snap.supplyIndex) / WAD;
        borrowAssets = _divUp(borrowShares * snap.borrowIndex, WAD);
        pendingBadDebt = _badDebtBook.pending;
    }

    /// @inheritdoc ILendingMarket
    function health(address user, uint256 price) external view returns (uint256 debt, uint256 maxDebt) {
        Loan memory pos = _accounts[user].loan;
        debt = _divUp(uint256(pos.borrowShares) * _unpack(_snapshot).borrowIndex, WAD);
        maxDebt = _maxDebt(pos.collateral, price);
    }

    /// @inheritdoc ILendingMarket
    function borrowRate(uint256 utilization) external view returns (uint256) {
        return KinkedRate.borrowRate(utilization, baseRate, slope1, slope2, kink);
    }

    // ------------------------------------------------------------------ access lists

    /// @inheritdoc IAccessDeclaring
    /// @dev Answered by `declarer` (LendingDeclarer), forwarded by staticcall with the same
    /// calldata: its answer and its errors are returned as they are.
    function declareAccess(address, bytes calldata) external view returns (Access[] memory) {
        address d = address(declarer);
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := staticcall(gas(), d, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    /// @inheritdoc ILendingMarket
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory values) {
        values = new bytes32[](slots.length);
        for (uint256 i = 0; i < slots.length; ++i) {
            bytes32 slot = slots[i];
            bytes32 value;
            assembly ("memory-safe") {
                value := sload(slot)
            }
            values[i] = value;
        }
    }

    // ------------------------------------------------------------------ internals

    /// @dev Brings the snapshot to this block and writes what changed. Only the block's first
    /// interaction writes (see `_accrued`); every value written depends only on the state before
    /// the block and block.timestamp, and every function that writes an input (a shard's totals,
    /// the bad-debt book) calls this first (docs/access-lists.md, rule 5). Never reverts.
    function _accrue() internal returns (Snapshot memory snap) {
        snap = _unpack(_snapshot);
        if (snap.lastUpdate == block.timestamp) return snap;
        (uint256 rate, uint256 charged) = _accrued(snap);
        _snapshot = _pack(snap.supplyIndex, snap.borrowIndex, block.timestamp, snap.flags);
        // (`_accrued` promoted a pending shard count: it takes force from this timestamp.)
        if (charged != 0) {
            BadDebtBook memory book = _badDebtBook;
            _badDebtBook = BadDebtBook({applied: _addSat128(book.applied, charged), pending: 0});
        }
        emit Accrue(snap.supplyIndex, snap.borrowIndex, rate, charged);
    }

    /// @dev Advances `snap` (stored before this timestamp) to block.timestamp, without writing.
    /// Reads the stored rates and the bad-debt book and, in the normal course, nothing else: no
    /// shard. The indices grow by the stored rates up to the end of the epoch they were refreshed
    /// in; past it, until someone calls `refreshRates`, borrowers keep paying the stored borrow
    /// rate and suppliers are credited nothing (the staleness rule, docs/lending.md "Stored
    /// rates"). After new bad debt (a rare event) it also charges the pending amount to all
    /// suppliers, which reads every shard's supply shares. Indices saturate at 2^96 - 1.
    /// @return rate The borrow rate applied.
    /// @return charged Bad debt charged to suppliers (0 if none is pending or no one supplies).
    function _accrued(Snapshot memory snap) internal view returns (uint256 rate, uint256 charged) {
        RateBook memory rb = _rates;
        rate = rb.borrowRate;
        uint256 end = (uint256(rb.epoch) + 1) * rb.epochLength;
        uint256 from = snap.lastUpdate;
        if (from < end) {
            uint256 to = block.timestamp < end ? block.timestamp : end;
            _grow(snap, rate, rb.supplyRate, to - from);
            from = to;
        }
        // Stale: the debt present keeps paying, no one is credited until the next refresh.
        _grow(snap, rate, 0, block.timestamp - from);
        uint256 pending = _badDebtBook.pending;
        if (pending != 0) charged = _charged(snap, pending);
        snap.lastUpdate = block.timestamp;
        // A shard count set before this timestamp is now in force.
        snap.flags = (snap.flags & ~uint256(0xff << 8)) | ((snap.flags >> 16) << 8);
    }

    /// @dev Grows both indices over `dt` seconds at the given rates (InterestIndex.grow: the
    /// borrow index rounded up, the supply index down, each saturating at 2^96 - 1).
    function _grow(Snapshot memory snap, uint256 borrowRate_, uint256 supplyRate_, uint256 dt) internal pure {
        (snap.borrowIndex, snap.supplyIndex) = InterestIndex.grow(
            snap.borrowIndex,
            snap.supplyIndex,
            borrowRate_,
            supplyRate_,
            dt
        );
    }

    /// @dev Charges `pending` bad debt to all suppliers pro rata by lowering the supply index
    /// (rounded up); reads every shard's supply shares. Returns what was charged (0 if no one
    /// supplies: there is no one to charge it to).
    function _charged(Snapshot memory snap, uint256 pending) internal view returns (uint256) {
        uint256 supplyShares;
        // Shards above the count in force hold no shares yet (a pending count takes force only
        // after this snapshot), so the count in force bounds the sum.
        uint256 k = _count(snap);
        for (uint256 i = 0; i < k; ++i) supplyShares += _shard(i).supplyShares;
        if (supplyShares == 0) return 0;
        uint256 loss = _divUp(pending * WAD, supplyShares);
        // A loss beyond all supply leaves the smallest index, never zero.
        snap.supplyIndex = snap.supplyIndex > loss ? snap.supplyIndex - loss : 1;
        return pending;
    }

    /// @dev The rates refreshed from the K shards' totals (the one place that reads them all)
    /// at the indices in `snap`, for `epoch`. The borrow rate follows the higher of this and the
    /// previous refresh's utilization, so lowering it takes two consecutive refreshes that see
    /// the lower utilization; suppliers are credited that rate times this utilization (capped
    /// at 1), so the interest credited until the epoch's end is at most what the debt present
    /// now pays over it (docs/lending.md, "Stored rates").
    function _refreshed(Snapshot memory snap, RateBook memory rb, uint256 epoch) internal view {
        uint256 supplyShares;
        uint256 borrowShares;
        uint256 k = _count(snap); // shards above it hold nothing yet
        for (uint256 i = 0; i < k; ++i) {
            Shard storage sh = _shard(i);
            supplyShares += sh.supplyShares;
            borrowShares += sh.borrowShares;
        }
        uint256 supplied = (supplyShares * snap.supplyIndex) / WAD;
        uint256 borrowed = _divUp(borrowShares * snap.borrowIndex, WAD);
        uint256 utilization;
        if (borrowed != 0) utilization = borrowed >= supplied ? WAD : (borrowed * WAD) / supplied;
        uint256 rateUtilization = utilization > rb.utilization ? utilization : rb.utilization;
        uint256 borrowRate_ = KinkedRate.borrowRate(rateUtilization, baseRate, slope1, slope2, kink);
        rb.borrowRate = uint40(borrowRate_);
        rb.supplyRate = uint40((borrowRate_ * utilization) / WAD);
        rb.utilization = uint64(utilization);
        rb.epoch = uint40(epoch);
    }

    /// @inheritdoc ILendingMarket
    function previewIndices() external view returns (uint256 supplyIndex, uint256 borrowIndex) {
        Snapshot memory snap = _unpack(_snapshot);
        if (snap.lastUpdate != block.timestamp) _accrued(snap);
        return (snap.supplyIndex, snap.borrowIndex);
    }

    /// @dev The indices at the end of the current epoch if the stored rates hold until then, each
    /// rounded up with a quadratic margin (e^x <= 1 + x + x^2 for x <= 1), so that they are at
    /// least what per-block compounding reaches: new supply is priced, and leaving debt
    /// settled, at these. Reads the stored rates (one slot).
    function _epochEndIndices(
        Snapshot memory snap
    ) internal view returns (uint256 supplyIndexAtEnd, uint256 borrowIndexAtEnd) {
        RateBook memory rb = _rates;
        uint256 end = (uint256(rb.epoch) + 1) * rb.epochLength;
        uint256 left = end > block.timestamp ? end - block.timestamp : 0;
        supplyIndexAtEnd = InterestIndex.upperBoundAt(snap.supplyIndex, rb.supplyRate, left);
        borrowIndexAtEnd = InterestIndex.upperBoundAt(snap.borrowIndex, rb.borrowRate, left);
    }

    /// @dev Shard i's storage: shards 0..15 before the positions mapping, 16..63 after it.
    function _shard(uint256 i) internal view returns (Shard storage) {
        return i < LOW_SHARDS ? _shards[i] : _highShards[i - LOW_SHARDS];
    }

    /// @dev Sends `amount` loan assets to `to`: from shard `s`'s escrow first, then from the
    /// escrows of the shards in `sources` in index order. Each escrow gives at most its balance;
    /// reverts unless together they hold enough. Reading a balance warms the slot the transfer
    /// then writes, so this costs far less than booking cash in a market slot.
    function _payOut(uint256 s, uint256 sources, uint256 amount, address to, uint256 k) internal {
        uint256 fromOwn = _drawCash(s, amount, to);
        uint256 left = amount - fromOwn;
        if (left == 0) return;
        sources &= ~(uint256(1) << s);
        for (uint256 i = 0; i < k && left != 0 && sources != 0; ++i) {
            if ((sources >> i) & 1 == 0) continue;
            sources &= ~(uint256(1) << i);
            left -= _drawCash(i, left, to);
        }
        if (left != 0) revert InsufficientLiquidity(amount, amount - left);
    }

    /// @dev Moves up to `want` loan assets from shard `s`'s escrow to `to`.
    function _drawCash(uint256 s, uint256 want, address to) internal returns (uint256 taken) {
        address escrow = escrowOf(s);
        uint256 cash = loanToken.balanceOf(escrow);
        taken = want < cash ? want : cash;
        if (taken != 0) loanToken.safeTransferFrom(escrow, to, taken);
    }

    /// @dev Every shard named in `sources` must have an escrow.
    function _checkSources(uint256 sources, Snapshot memory snap) internal pure {
        if (sources >> _nextCount(snap) != 0) revert InvalidSources(sources);
    }

    /// @dev The shard count in force, of a snapshot brought to this timestamp by `_accrue`.
    function _count(Snapshot memory snap) internal pure returns (uint256) {
        return (snap.flags >> 8) & 0xff;
    }

    /// @dev The shard count from the next timestamp on: every shard below it has its escrow.
    function _nextCount(Snapshot memory snap) internal pure returns (uint256) {
        return snap.flags >> 16;
    }

    /// @dev The shard count in force now, from the stored snapshot (not brought to now): a count
    /// set before this timestamp is in force even if no snapshot promoted it yet.
    function _countNow() internal view returns (uint256) {
        uint256 word = _snapshot;
        (uint256 count, uint256 next) = LendingStorageLib.shardCounts(word);
        return _unpack(word).lastUpdate == block.timestamp ? count : next;
    }

    function _requireHealthy(uint256 borrowShares, uint256 collateral, uint256 borrowIndex) internal view {
        uint256 debt = _divUp(borrowShares * borrowIndex, WAD);
        uint256 maxDebt = _maxDebt(collateral, _price());
        if (debt > maxDebt) revert UnhealthyPosition(debt, maxDebt);
    }

    function _maxDebt(uint256 collateral, uint256 price) internal view returns (uint256) {
        return (((collateral * price) / ORACLE_SCALE) * lltv) / WAD;
    }

    function _price() internal view returns (uint256 price) {
        uint256 updatedAt;
        (price, updatedAt) = oracle.latestPrice();
        if (price == 0) revert InvalidPrice();
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > maxPriceAge) {
            revert StalePrice(updatedAt, maxPriceAge);
        }
    }

    function _pack(
        uint256 supplyIndex,
        uint256 borrowIndex,
        uint256 lastUpdate,
        uint256 flags
    ) internal pure returns (uint256) {
        return supplyIndex | (borrowIndex << 96) | (lastUpdate << 192) | (flags << 232);
    }

    function _unpack(uint256 packed) internal pure returns (Snapshot memory snap) {
        snap.supplyIndex = packed & INDEX_MASK;
        snap.borrowIndex = (packed >> 96) & INDEX_MASK;
        snap.lastUpdate = (packed >> 192) & ((1 << 40) - 1);
        snap.flags = packed >> 232;
    }

    function _addSat128(uint128 a, uint256 b) internal pure returns (uint128) {
        uint256 sum = uint256(a) + b;
        return sum > type(uint128).max ? type(uint128).max : uint128(sum);
    }

    function _divUp(uint256 x, uint256 d) internal pure returns (uint256) {
        return InterestIndex.divUp(x, d);
    }
}
