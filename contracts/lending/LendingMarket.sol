// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {IPriceOracle} from "./IPriceOracle.sol";
import {KinkedRate} from "./KinkedRate.sol";
import {LendingEscrow} from "./LendingEscrow.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";
import {AccessList} from "../libraries/AccessList.sol";
import {ReentrancyLockTransient} from "../libraries/ReentrancyLockTransient.sol";

/// @title LendingMarket
/// @notice An isolated lending market (one loan asset, one collateral asset) whose
/// transactions touch disjoint storage: positions are per user, totals live in K shards (a
/// user's shard is fixed by their address), liquidity sits in K escrow contracts, and the
/// interest indices form a snapshot written at most once per block from stored rates, which
/// are refreshed from the shards at most once per epoch. See docs/lending.md.
/// @dev Storage map (slot numbers are part of the access-list interface and are tested):
/// 0 owner, 1 pending owner (Ownable2Step); 2 caps; 3 snapshot (supplyIndex, borrowIndex,
/// lastUpdate, flags); 4 rates (borrowRate, supplyRate, utilization, epoch, epochLength);
/// 5 + 2i shard i < 16 (supplyShares, borrowShares, badDebtEvents); 6 + 2i shard i (badDebt);
/// shards 16..63 at 38 + 2(i - 16); 134 bad-debt book (applied, pending); a shard's cash is its
/// escrow's loan-token balance (no market slot);
/// keccak(user, 37) supply shares; keccak(user, 37) + 1 loan (borrowShares, collateral).
contract LendingMarket is IAccessDeclaring, Ownable2Step, ReentrancyLockTransient {
    using SafeERC20 for IERC20;
    using AccessList for AccessList.Builder;

    /// @notice Construction parameters of a market.
    /// @param loanToken Asset supplied and borrowed.
    /// @param collateralToken Asset pledged by borrowers.
    /// @param oracle Price of one collateral unit in loan units, scaled by 1e36.
    /// @param shardCount K, the number of shards and escrows (1 to 16).
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

    /// @dev Owner-set caps; read by supply and borrow only while the snapshot's CAPPED flag is set.
    struct Config {
        uint128 supplyCap;
        uint128 borrowCap;
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

    /// @notice One shard as returned by `shardTotals`.
    struct ShardTotals {
        uint256 supplyShares;
        uint256 borrowShares;
        uint256 badDebtEvents;
        uint256 cash;
        uint256 badDebt;
    }

    /// @dev Bad debt already charged to suppliers, and how many events it covers.
    struct BadDebtBook {
        uint128 applied;
        uint128 pending;
    }

    /// @notice The stored rates (slot 4): set at each refresh from the shards' totals, applied to
    /// elapsed time in between. `epoch` is the number (timestamp / epochLength) of the epoch of
    /// the last refresh; `utilization` is the utilization that refresh saw.
    struct RateBook {
        uint40 borrowRate;
        uint40 supplyRate;
        uint64 utilization;
        uint40 epoch;
        uint32 epochLength;
    }

    /// @dev A borrower's side of a position, in one slot: a borrow against collateral deposited
    /// earlier, a repayment and a liquidation each write this slot alone.
    struct Loan {
        uint128 borrowShares;
        uint128 collateral;
    }

    /// @dev Two slots per user: supply shares alone in the first (lender paths), the loan in the
    /// second (borrower paths).
    struct Account {
        uint256 supplyShares;
        Loan loan;
    }

    /// @notice A user's position as returned by `position`.
    struct Position {
        uint256 supplyShares;
        uint128 borrowShares;
        uint128 collateral;
    }

    /// @notice The index snapshot as unpacked from storage.
    struct Snapshot {
        uint256 supplyIndex;
        uint256 borrowIndex;
        uint256 lastUpdate;
        uint256 flags;
    }

    uint256 internal constant WAD = 1e18;
    uint256 internal constant ORACLE_SCALE = 1e36;
    /// @notice Largest supported shard count.
    uint256 public constant MAX_SHARDS = 64;
    /// @dev Shards 0..15 sit before the positions mapping (slots 5..36), shards 16..63 after it
    /// (slots 38..133), so that the slots of markets with K <= 16 never moved.
    uint256 internal constant LOW_SHARDS = 16;
    uint256 internal constant INDEX_MASK = (1 << 96) - 1;
    /// @notice Highest borrow rate a market accepts, per second (1e18 scale): about 315% a year.
    /// An index compounded at this rate, however often, stays below 2^96 for ln(2^96 / 1e18) /
    /// MAX_RATE = 2.5e8 seconds (7.9 years) of uninterrupted full utilization; past that, accrual
    /// saturates instead of reverting (docs/lending.md, "Liveness").
    uint256 public constant MAX_RATE = 1e11;
    uint256 internal constant FLAG_PAUSED = 1;
    uint256 internal constant FLAG_CAPPED = 2;

    uint256 internal constant SLOT_OWNER = 0;
    uint256 internal constant SLOT_PENDING_OWNER = 1;
    uint256 internal constant SLOT_CONFIG = 2;
    uint256 internal constant SLOT_SNAPSHOT = 3;
    uint256 internal constant SLOT_RATES = 4;
    uint256 internal constant SLOT_SHARDS = 5;
    uint256 internal constant SLOT_POSITIONS = 5 + 2 * LOW_SHARDS;
    uint256 internal constant SLOT_HIGH_SHARDS = SLOT_POSITIONS + 1;
    uint256 internal constant SLOT_BAD_DEBT_APPLIED = SLOT_HIGH_SHARDS + 2 * (MAX_SHARDS - LOW_SHARDS);
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
    /// @notice K: number of shards and escrows.
    uint256 public immutable shardCount;
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
    /// Where `declareAccess` looks up the tokens' storage layouts (zero: none, every token access
    /// is declared as the whole account). Internal, not public: a getter would reshuffle the
    /// function dispatcher and move the users' gas. The deployment record names it.
    ITokenLayoutRegistry internal immutable tokenLayouts;
    bytes32 internal immutable ESCROW_CODE_HASH;

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

    error InvalidParams(string what);
    error ZeroAmount();
    error ZeroShares();
    error ZeroAddress();
    error Paused();
    error InsufficientShares(uint256 have, uint256 need);
    error InsufficientCollateral(uint256 have, uint256 need);
    error InsufficientLiquidity(uint256 requested, uint256 available);
    error InvalidSources(uint256 sources);
    error SupplyCapExceeded(uint256 shardSupply, uint256 shardCap);
    error BorrowCapExceeded(uint256 shardBorrow, uint256 shardCap);
    error UnhealthyPosition(uint256 debt, uint256 maxDebt);
    error HealthyPosition(uint256 debt, uint256 maxDebt);
    error NoDebt();
    error RepayExceedsDebt(uint256 shares, uint256 debtShares);
    error StalePrice(uint256 updatedAt, uint256 maxAge);
    error InvalidPrice();
    error UnknownSelector(bytes4 selector);

    /// @notice Deploys the market and its K escrows.
    /// @param p Market parameters (see Params).
    /// @param initialOwner Holder of the pause and cap controls.
    /// @param tokenLayouts_ Token layout registry read by `declareAccess` (zero for none).
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
        shardCount = p.shardCount;
        lltv = p.lltv;
        liquidationBonus = p.liquidationBonus;
        maxPriceAge = p.maxPriceAge;
        baseRate = p.baseRate;
        slope1 = p.slope1;
        slope2 = p.slope2;
        kink = p.kink;
        tokenLayouts = tokenLayouts_;

        bytes memory initCode = abi.encodePacked(
            type(LendingEscrow).creationCode,
            abi.encode(p.loanToken, p.collateralToken)
        );
        ESCROW_CODE_HASH = keccak256(initCode);
        for (uint256 i = 0; i < p.shardCount; ++i) {
            address escrow;
            assembly ("memory-safe") {
                escrow := create2(0, add(initCode, 0x20), mload(initCode), i)
            }
            if (escrow == address(0)) revert InvalidParams("escrow");
        }

        _config = Config({supplyCap: type(uint128).max, borrowCap: type(uint128).max});
        _snapshot = _pack(WAD, WAD, block.timestamp, 0);
        _initRates(p.baseRate);
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

    /// @notice Supplies `assets` of the loan asset from the caller, into the caller's shard.
    /// @param assets Amount to supply.
    /// @return shares Supply shares minted (rounded down).
    function supply(uint256 assets) external nonReentrant returns (uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        Snapshot memory snap = _accrue();
        if (snap.flags & FLAG_PAUSED != 0) revert Paused();
        // Priced at the index the epoch will end with: new supply earns from the next refresh,
        // when it enters the utilization that sets the rates (docs/lending.md, "Stored rates").
        (uint256 supplyIndexAtEnd, ) = _epochEndIndices(snap);
        shares = (assets * WAD) / supplyIndexAtEnd;
        if (shares == 0) revert ZeroShares();

        uint256 s = shardOf(msg.sender);
        Shard storage shard = _shard(s);
        uint256 shardShares = shard.supplyShares + shares;
        if (snap.flags & FLAG_CAPPED != 0) {
            uint256 shardSupply = (shardShares * snap.supplyIndex) / WAD;
            uint256 shardCap = _config.supplyCap / shardCount;
            if (shardSupply > shardCap) revert SupplyCapExceeded(shardSupply, shardCap);
        }

        _accounts[msg.sender].supplyShares += shares;
        shard.supplyShares = SafeCast.toUint112(shardShares);

        loanToken.safeTransferFrom(msg.sender, escrowOf(s), assets);
        emit Supply(msg.sender, assets, shares);
    }

    /// @notice Withdraws supplied loan assets to `receiver`.
    /// @param assets Amount to withdraw; type(uint256).max withdraws the whole position.
    /// @param receiver Recipient of the tokens.
    /// @param sources Bit i set lets the withdrawal draw on escrow shard i once the caller's own
    /// shard runs dry (the fallback; see docs/lending.md). 0 uses the own shard only.
    /// @return withdrawn Assets sent.
    /// @return shares Supply shares burned (rounded up).
    function withdraw(
        uint256 assets,
        address receiver,
        uint256 sources
    ) external nonReentrant returns (uint256 withdrawn, uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        _checkSources(sources);
        Snapshot memory snap = _accrue();
        Account storage acc = _accounts[msg.sender];
        uint256 have = acc.supplyShares;
        if (assets == type(uint256).max) {
            shares = have;
            withdrawn = (shares * snap.supplyIndex) / WAD;
        } else {
            shares = _divUp(assets * WAD, snap.supplyIndex);
            withdrawn = assets;
        }
        if (shares > have) revert InsufficientShares(have, shares);
        if (withdrawn == 0) revert ZeroAmount();

        uint256 s = shardOf(msg.sender);
        acc.supplyShares = have - shares;
        _shard(s).supplyShares -= uint112(shares);
        _payOut(s, sources, withdrawn, receiver);
        emit Withdraw(msg.sender, receiver, withdrawn, shares);
    }

    // ------------------------------------------------------------------ borrower side

    /// @notice Deposits collateral from the caller into the caller's escrow shard.
    /// @dev Touches only the caller's collateral slot: no snapshot, no shard total.
    /// @param assets Amount of collateral.
    function depositCollateral(uint256 assets) external nonReentrant {
        if (assets == 0) revert ZeroAmount();
        _accounts[msg.sender].loan.collateral += SafeCast.toUint128(assets);
        collateralToken.safeTransferFrom(msg.sender, escrowOf(shardOf(msg.sender)), assets);
        emit DepositCollateral(msg.sender, assets);
    }

    /// @notice Withdraws collateral; the position must stay healthy.
    /// @param assets Amount of collateral.
    /// @param receiver Recipient of the tokens.
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
        collateralToken.safeTransferFrom(escrowOf(shardOf(msg.sender)), receiver, assets);
        emit WithdrawCollateral(msg.sender, receiver, assets);
    }

    /// @notice Borrows loan assets against the caller's collateral.
    /// @param assets Amount to borrow.
    /// @param receiver Recipient of the tokens.
    /// @param sources Fallback escrow shards, as in withdraw.
    /// @return shares Borrow shares minted (rounded up).
    function borrow(uint256 assets, address receiver, uint256 sources) external nonReentrant returns (uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        _checkSources(sources);
        Snapshot memory snap = _accrue();
        if (snap.flags & FLAG_PAUSED != 0) revert Paused();
        shares = _divUp(assets * WAD, snap.borrowIndex);

        uint256 s = shardOf(msg.sender);
        Shard storage shard = _shard(s);
        uint256 shardShares = shard.borrowShares + shares;
        if (snap.flags & FLAG_CAPPED != 0) {
            uint256 shardBorrow = _divUp(shardShares * snap.borrowIndex, WAD);
            uint256 shardCap = _config.borrowCap / shardCount;
            if (shardBorrow > shardCap) revert BorrowCapExceeded(shardBorrow, shardCap);
        }

        Loan storage loan = _accounts[msg.sender].loan;
        Loan memory cur = loan;
        uint256 newShares = cur.borrowShares + shares;
        _requireHealthy(newShares, cur.collateral, snap.borrowIndex);
        loan.borrowShares = SafeCast.toUint128(newShares);
        shard.borrowShares = SafeCast.toUint112(shardShares);
        _payOut(s, sources, assets, receiver);
        emit Borrow(msg.sender, receiver, assets, shares);
    }

    /// @notice Repays debt of `onBehalf` with the caller's loan assets.
    /// @param assets Amount to repay; type(uint256).max repays the whole debt.
    /// @param onBehalf Borrower whose debt is reduced.
    /// @return repaid Assets taken from the caller.
    /// @return shares Borrow shares burned (rounded down unless the whole debt is repaid).
    function repay(uint256 assets, address onBehalf) external nonReentrant returns (uint256 repaid, uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        if (onBehalf == address(0)) revert ZeroAddress();
        Snapshot memory snap = _accrue();
        Loan storage loan = _accounts[onBehalf].loan;
        uint256 debtShares = loan.borrowShares;
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

        uint256 s = shardOf(onBehalf);
        Shard storage shard = _shard(s);
        loan.borrowShares = uint128(debtShares - shares);
        shard.borrowShares -= uint112(shares);
        loanToken.safeTransferFrom(msg.sender, escrowOf(s), repaid);
        emit Repay(msg.sender, onBehalf, repaid, shares);
    }

    /// @notice Repays part or all of an unhealthy position's debt and seizes collateral worth
    /// the repaid value times the liquidation bonus. If the collateral runs out, the rest of the
    /// debt is bad debt: it leaves the books now and is charged to all suppliers at the next
    /// block's snapshot.
    /// @param borrower The unhealthy position.
    /// @param assets Debt to repay; type(uint256).max repays as much as the collateral covers.
    /// @return repaid Assets taken from the liquidator.
    /// @return seized Collateral sent to the liquidator.
    /// @return badDebt Debt written off.
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
        uint256 s = shardOf(borrower);
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
        pos.borrowShares = uint128(leftShares);
        pos.collateral = uint128(leftCollateral);
        _accounts[borrower].loan = pos;
        sh.borrowShares -= uint112(burned);
    }

    /// @notice Takes this block's snapshot if no interaction has yet (anyone may call).
    function accrue() external nonReentrant {
        _accrue();
    }

    // ------------------------------------------------------------------ owner

    /// @notice Pauses or resumes supply and borrow (withdraw, repay, collateral and
    /// liquidation stay open so that users can always leave and positions can be closed).
    /// @param paused_ The new flag.
    function setPaused(bool paused_) external onlyOwner {
        Snapshot memory snap = _accrue();
        _setFlag(snap, FLAG_PAUSED, paused_);
        emit PausedSet(paused_);
    }

    /// @notice Sets the market-wide caps. Each shard may hold at most cap / K, so the market
    /// never exceeds the cap while no operation reads another shard.
    /// @param supplyCap Cap on supplied assets (type(uint128).max = none).
    /// @param borrowCap Cap on borrowed assets (type(uint128).max = none).
    function setCaps(uint128 supplyCap, uint128 borrowCap) external onlyOwner {
        Snapshot memory snap = _accrue();
        _config = Config({supplyCap: supplyCap, borrowCap: borrowCap});
        _setFlag(snap, FLAG_CAPPED, supplyCap != type(uint128).max || borrowCap != type(uint128).max);
        emit CapsSet(supplyCap, borrowCap);
    }

    /// @notice Sets the rate epoch: the rates are refreshed from the shards at most once per
    /// `epochLength` seconds. Refreshes them now from the current totals (reading every shard).
    /// @param epochLength Seconds, 1 (refresh at every new timestamp) to MAX_RATE_EPOCH.
    function setRateEpoch(uint256 epochLength) external onlyOwner {
        if (epochLength == 0 || epochLength > MAX_RATE_EPOCH) revert InvalidParams("epochLength");
        Snapshot memory snap = _accrue(); // charges any pending bad debt
        RateBook memory rb = _rates;
        rb.epochLength = uint32(epochLength);
        _refreshed(snap, rb, block.timestamp / epochLength, 0);
        _rates = rb;
        emit RatesRefreshed(rb.epoch, rb.utilization, rb.borrowRate, rb.supplyRate);
        emit RateEpochSet(epochLength);
    }

    /// @notice The stored rates and the epoch of their last refresh.
    /// @return The rate book.
    function rates() external view returns (RateBook memory) {
        return _rates;
    }

    /// @dev Owner flags live in the snapshot slot so that supply and borrow read one slot fewer.
    /// Setting one first brings the snapshot up to date, so the block's snapshot is unaffected.
    function _setFlag(Snapshot memory snap, uint256 flag, bool on) internal {
        uint256 flags = on ? snap.flags | flag : snap.flags & ~flag;
        _snapshot = _pack(snap.supplyIndex, snap.borrowIndex, snap.lastUpdate, flags);
    }

    /// @notice Whether supply and borrow are paused.
    /// @return True when paused.
    function paused() external view returns (bool) {
        return _unpack(_snapshot).flags & FLAG_PAUSED != 0;
    }

    // ------------------------------------------------------------------ views

    /// @notice The shard of `user`: fixed by the address.
    /// @param user Any account.
    /// @return The shard index in [0, K).
    function shardOf(address user) public view returns (uint256) {
        return uint256(uint160(user)) % shardCount;
    }

    /// @notice The escrow contract of shard `s` (CREATE2 address, no storage read).
    /// @param s Shard index.
    /// @return The escrow's address.
    function escrowOf(uint256 s) public view returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), s, ESCROW_CODE_HASH)))));
    }

    /// @notice The stored snapshot (as of the last interaction, not accrued to now).
    /// @return snap Supply index, borrow index (1e18 scale) and timestamp.
    function snapshot() external view returns (Snapshot memory snap) {
        return _unpack(_snapshot);
    }

    /// @notice One shard's totals.
    /// @param s Shard index.
    /// @return t The shard's books; `cash` is its escrow's loan-token balance.
    function shardTotals(uint256 s) external view returns (ShardTotals memory t) {
        Shard memory sh = _shard(s);
        t.supplyShares = sh.supplyShares;
        t.borrowShares = sh.borrowShares;
        t.badDebtEvents = sh.badDebtEvents;
        t.cash = loanToken.balanceOf(escrowOf(s));
        t.badDebt = sh.badDebt;
    }

    /// @notice A user's position.
    /// @param user Any account.
    /// @return The position.
    function position(address user) external view returns (Position memory) {
        Account storage acc = _accounts[user];
        Loan memory cur = acc.loan;
        return Position({supplyShares: acc.supplyShares, borrowShares: cur.borrowShares, collateral: cur.collateral});
    }

    /// @notice Owner controls.
    /// @return The config.
    function getConfig() external view returns (Config memory) {
        return _config;
    }

    /// @notice Bad debt already charged to suppliers.
    /// @return Cumulative socialized bad debt, in loan assets.
    function badDebtSocialized() external view returns (uint256) {
        return _badDebtBook.applied;
    }

    /// @notice Sums of the shards, at the stored snapshot's indices.
    /// @return supplyShares Total supply shares.
    /// @return borrowShares Total borrow shares.
    /// @return supplyAssets Total supply in assets (rounded down), before pending bad debt.
    /// @return borrowAssets Total debt in assets (rounded up).
    /// @return cash Loan assets held by the escrows.
    /// @return pendingBadDebt Bad debt recorded but not yet charged to suppliers.
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
        for (uint256 i = 0; i < shardCount; ++i) {
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

    /// @notice The most `user` may owe at `price` before becoming liquidatable.
    /// @param user Any account.
    /// @param price Oracle price (1e36 scale).
    /// @return debt Current debt at the stored borrow index (rounded up).
    /// @return maxDebt Collateral value times LLTV (rounded down).
    function health(address user, uint256 price) external view returns (uint256 debt, uint256 maxDebt) {
        Loan memory pos = _accounts[user].loan;
        debt = _divUp(uint256(pos.borrowShares) * _unpack(_snapshot).borrowIndex, WAD);
        maxDebt = _maxDebt(pos.collateral, price);
    }

    /// @notice Borrow rate per second at a utilization (1e18 scale).
    /// @param utilization Borrowed over supplied, at most 1e18.
    /// @return The rate per second.
    function borrowRate(uint256 utilization) external view returns (uint256) {
        return KinkedRate.borrowRate(utilization, baseRate, slope1, slope2, kink);
    }

    // ------------------------------------------------------------------ access lists

    /// @inheritdoc IAccessDeclaring
    /// @dev Token slots are exact for tokens `tokenLayouts` knows (see `_declareTransferFrom`),
    /// the whole token account otherwise; the oracle is declared as the whole account.
    function declareAccess(address sender, bytes calldata data) external view returns (Access[] memory accesses) {
        if (data.length < 4) revert UnknownSelector(bytes4(0));
        bytes4 sel = bytes4(data[:4]);
        AccessList.Builder memory list = AccessList.create(4 * shardCount + 16);
        if (sel == this.supply.selector || sel == this.withdraw.selector || sel == this.repay.selector) {
            _declareLoanSide(list, sel, sender, data);
        } else if (
            sel == this.depositCollateral.selector ||
            sel == this.withdrawCollateral.selector ||
            sel == this.borrow.selector ||
            sel == this.liquidate.selector
        ) {
            _declareBorrowSide(list, sel, sender, data);
        } else if (sel == this.accrue.selector) {
            _declareSnapshot(list);
        } else if (sel == this.setRateEpoch.selector) {
            // A refresh from the current totals: reads every shard, writes the rates, the
            // snapshot and the bad-debt book; serialized against everyone.
            _declareSnapshot(list);
            list.add(address(this), bytes32(SLOT_RATES), AccessList.WRITE);
            list.add(address(this), bytes32(SLOT_OWNER), AccessList.READ);
            for (uint256 i = 0; i < shardCount; ++i) {
                list.add(address(this), _shardSlot(i), AccessList.READ);
                list.add(address(this), bytes32(uint256(_shardSlot(i)) + 1), AccessList.READ);
            }
        } else if (sel == this.setPaused.selector || sel == this.setCaps.selector) {
            // Owner flags share the snapshot slot: a real write, serialized against everyone.
            _declareSnapshot(list);
            list.add(address(this), bytes32(SLOT_SNAPSHOT), AccessList.WRITE);
            list.add(address(this), bytes32(SLOT_OWNER), AccessList.READ);
            if (sel == this.setCaps.selector) list.add(address(this), bytes32(SLOT_CONFIG), AccessList.WRITE);
        } else {
            _declareOwner(list, sel);
        }
        accesses = list.finish();
    }

    function _declareLoanSide(
        AccessList.Builder memory list,
        bytes4 sel,
        address sender,
        bytes calldata data
    ) internal view {
        _declareSnapshot(list);
        address loan = address(loanToken);
        if (sel == this.supply.selector) {
            uint256 s = shardOf(sender);
            list.add(address(this), bytes32(SLOT_CONFIG), AccessList.READ);
            list.add(address(this), _shardSlot(s), AccessList.WRITE);
            list.add(address(this), _positionSlot(sender), AccessList.WRITE);
            _declareTransferFrom(list, loan, sender, escrowOf(s));
        } else if (sel == this.withdraw.selector) {
            (, address receiver, uint256 sources) = abi.decode(data[4:], (uint256, address, uint256));
            _checkSources(sources);
            uint256 s = shardOf(sender);
            list.add(address(this), _shardSlot(s), AccessList.WRITE);
            list.add(address(this), _positionSlot(sender), AccessList.WRITE);
            _declarePayOut(list, loan, s, sources, receiver);
        } else {
            (, address onBehalf) = abi.decode(data[4:], (uint256, address));
            uint256 s = shardOf(onBehalf);
            list.add(address(this), _shardSlot(s), AccessList.WRITE);
            list.add(address(this), _loanSlot(onBehalf), AccessList.WRITE);
            _declareTransferFrom(list, loan, sender, escrowOf(s));
        }
    }

    function _declareBorrowSide(
        AccessList.Builder memory list,
        bytes4 sel,
        address sender,
        bytes calldata data
    ) internal view {
        address collateral = address(collateralToken);
        if (sel == this.depositCollateral.selector) {
            list.add(address(this), _loanSlot(sender), AccessList.WRITE);
            _declareTransferFrom(list, collateral, sender, escrowOf(shardOf(sender)));
            return;
        }
        _declareSnapshot(list);
        list.add(address(oracle), AccessList.ANY_SLOT, AccessList.READ);
        if (sel == this.withdrawCollateral.selector) {
            (, address receiver) = abi.decode(data[4:], (uint256, address));
            list.add(address(this), _loanSlot(sender), AccessList.WRITE);
            _declareTransferFrom(list, collateral, escrowOf(shardOf(sender)), receiver);
            return;
        }
        address loan = address(loanToken);
        if (sel == this.borrow.selector) {
            (, address receiver, uint256 sources) = abi.decode(data[4:], (uint256, address, uint256));
            _checkSources(sources);
            uint256 s = shardOf(sender);
            list.add(address(this), bytes32(SLOT_CONFIG), AccessList.READ);
            list.add(address(this), _shardSlot(s), AccessList.WRITE);
            list.add(address(this), _loanSlot(sender), AccessList.WRITE);
            _declarePayOut(list, loan, s, sources, receiver);
        } else {
            (address borrower, ) = abi.decode(data[4:], (address, uint256));
            uint256 s = shardOf(borrower);
            // Both shard slots and the bad-debt book: a liquidation that exhausts the collateral
            // books bad debt (the book is read only by the next block's snapshot).
            list.add(address(this), _shardSlot(s), AccessList.WRITE);
            list.add(address(this), bytes32(uint256(_shardSlot(s)) + 1), AccessList.WRITE);
            list.add(address(this), bytes32(SLOT_BAD_DEBT_APPLIED), AccessList.WRITE);
            list.add(address(this), _loanSlot(borrower), AccessList.WRITE);
            address escrow = escrowOf(s);
            _declareTransferFrom(list, loan, sender, escrow);
            _declareTransferFrom(list, collateral, escrow, sender);
        }
    }

    /// @dev A `transferFrom(from, to)` by this market: the allowance (written unless infinite;
    /// declared written) and both balances, or the token's whole account if its layout is unknown.
    function _declareTransferFrom(
        AccessList.Builder memory list,
        address token,
        address from,
        address to
    ) internal view {
        list.add(token, _tokenSlot(token, from, address(this)), AccessList.WRITE);
        list.add(token, _tokenSlot(token, from, address(0)), AccessList.WRITE);
        list.add(token, _tokenSlot(token, to, address(0)), AccessList.WRITE);
    }

    /// @dev A token slot from `tokenLayouts` (ANY_SLOT without a registry or for an unknown token).
    function _tokenSlot(address token, address account, address spender) internal view returns (bytes32) {
        ITokenLayoutRegistry registry = tokenLayouts;
        if (address(registry) == address(0)) return AccessList.ANY_SLOT;
        return registry.tokenSlot(token, account, spender);
    }

    /// @dev `_payOut`: shard `s`'s escrow, then the escrows of `sources`, each read and maybe
    /// paying `receiver`.
    function _declarePayOut(
        AccessList.Builder memory list,
        address loan,
        uint256 s,
        uint256 sources,
        address receiver
    ) internal view {
        _declareTransferFrom(list, loan, escrowOf(s), receiver);
        for (uint256 i = 0; i < shardCount; ++i) {
            if (i != s && (sources >> i) & 1 == 1) _declareTransferFrom(list, loan, escrowOf(i), receiver);
        }
    }

    function _declareOwner(AccessList.Builder memory list, bytes4 sel) internal view {
        if (sel == this.transferOwnership.selector) {
            list.add(address(this), bytes32(SLOT_OWNER), AccessList.READ);
            list.add(address(this), bytes32(SLOT_PENDING_OWNER), AccessList.WRITE);
        } else if (sel == this.acceptOwnership.selector || sel == this.renounceOwnership.selector) {
            list.add(address(this), bytes32(SLOT_OWNER), AccessList.WRITE);
            list.add(address(this), bytes32(SLOT_PENDING_OWNER), AccessList.WRITE);
        } else {
            revert UnknownSelector(sel);
        }
    }

    /// @dev The snapshot block: the snapshot and rate slots are read by everyone and written by
    /// the block's first interaction; the refresh's inputs (every shard, the socialized bad debt)
    /// are read only by the first interaction of an epoch, so they are SNAPSHOT accesses
    /// (docs/access-lists.md, rule 5). Which block starts an epoch depends only on its timestamp,
    /// so every shard is declared: the declaration holds in any block.
    function _declareSnapshot(AccessList.Builder memory list) internal view {
        list.add(address(this), bytes32(SLOT_SNAPSHOT), AccessList.READ | AccessList.SNAPSHOT);
        list.add(address(this), bytes32(SLOT_RATES), AccessList.READ | AccessList.SNAPSHOT);
        list.add(address(this), bytes32(SLOT_BAD_DEBT_APPLIED), AccessList.SNAPSHOT);
        for (uint256 i = 0; i < shardCount; ++i) {
            bytes32 slot = _shardSlot(i);
            list.add(address(this), slot, AccessList.SNAPSHOT);
            list.add(address(this), bytes32(uint256(slot) + 1), AccessList.SNAPSHOT);
        }
    }

    /// @dev Shard s's first slot (share totals, bad-debt events); the second follows it.
    function _shardSlot(uint256 s) internal pure returns (bytes32) {
        return bytes32(s < LOW_SHARDS ? SLOT_SHARDS + 2 * s : SLOT_HIGH_SHARDS + 2 * (s - LOW_SHARDS));
    }

    /// @dev A user's supply shares.
    function _positionSlot(address user) internal pure returns (bytes32) {
        return keccak256(abi.encode(user, SLOT_POSITIONS));
    }

    /// @dev A user's loan: borrow shares and collateral.
    function _loanSlot(address user) internal pure returns (bytes32) {
        return bytes32(uint256(_positionSlot(user)) + 1);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Brings the snapshot to this block and writes what changed. Only the block's first
    /// interaction writes (see `_accrued`); every value written depends only on the state before
    /// the block and block.timestamp, and every function that writes an input (a shard's totals,
    /// the bad-debt book) calls this first (docs/access-lists.md, rule 5). Never reverts.
    function _accrue() internal returns (Snapshot memory snap) {
        snap = _unpack(_snapshot);
        if (snap.lastUpdate == block.timestamp) return snap;
        (RateBook memory rb, uint256 charged, bool refreshed) = _accrued(snap);
        _snapshot = _pack(snap.supplyIndex, snap.borrowIndex, block.timestamp, snap.flags);
        if (refreshed) {
            _rates = rb;
            emit RatesRefreshed(rb.epoch, rb.utilization, rb.borrowRate, rb.supplyRate);
        }
        if (charged != 0) {
            BadDebtBook memory book = _badDebtBook;
            _badDebtBook = BadDebtBook({applied: _addSat128(book.applied, charged), pending: 0});
        }
        emit Accrue(snap.supplyIndex, snap.borrowIndex, rb.borrowRate, charged);
    }

    /// @dev Advances `snap` (stored before this timestamp) to block.timestamp, without writing.
    /// Within an epoch it reads the stored rates and the bad-debt book and nothing else: the
    /// indices grow by the stored rates over the elapsed time. In the first interaction of a new
    /// epoch, or after new bad debt, it also refreshes the rates from the K shards' totals at the
    /// end of the last refreshed epoch (or now, for bad debt within it): the stored rates run up to
    /// that point, the fresh ones from it. The totals it reads held since the last interaction,
    /// which was before that point (every interaction of a later epoch refreshes), so the fresh
    /// rates are exact for the time after it. Indices saturate at 2^96 - 1.
    function _accrued(
        Snapshot memory snap
    ) internal view returns (RateBook memory rb, uint256 charged, bool refreshed) {
        rb = _rates;
        uint256 epoch = block.timestamp / rb.epochLength;
        uint256 pending = _badDebtBook.pending;
        if (epoch == rb.epoch && pending == 0) {
            _grow(snap, rb, block.timestamp - snap.lastUpdate);
        } else {
            uint256 end = epoch == rb.epoch ? block.timestamp : (uint256(rb.epoch) + 1) * rb.epochLength;
            if (end < snap.lastUpdate) end = snap.lastUpdate;
            if (end > block.timestamp) end = block.timestamp;
            _grow(snap, rb, end - snap.lastUpdate);
            charged = _refreshed(snap, rb, epoch, pending);
            refreshed = true;
            _grow(snap, rb, block.timestamp - end);
        }
        snap.lastUpdate = block.timestamp;
    }

    /// @dev Grows both indices by the stored rates over `dt` seconds, linearly: the borrow index
    /// rounded up, the supply index down, each saturating at 2^96 - 1.
    function _grow(Snapshot memory snap, RateBook memory rb, uint256 dt) internal pure {
        if (dt == 0) return;
        uint256 borrowGrowth = _divUp(snap.borrowIndex * rb.borrowRate * dt, WAD);
        uint256 supplyGrowth = (snap.supplyIndex * rb.supplyRate * dt) / WAD;
        if (borrowGrowth > INDEX_MASK - snap.borrowIndex) {
            // Saturated: debt grows only this much, so suppliers are credited the same fraction.
            uint256 room = INDEX_MASK - snap.borrowIndex;
            supplyGrowth = (supplyGrowth * room) / borrowGrowth;
            borrowGrowth = room;
        }
        snap.borrowIndex += borrowGrowth;
        uint256 supplyIndex = snap.supplyIndex + supplyGrowth;
        snap.supplyIndex = supplyIndex > INDEX_MASK ? INDEX_MASK : supplyIndex;
    }

    /// @dev The rates refreshed from the K shards' totals (the one place that reads them all),
    /// with `pending` bad debt charged to suppliers (returned as `charged`; 0 if no one supplies).
    /// The borrow rate follows the higher of this and the previous refresh's utilization, so a
    /// deposit has to stay a whole epoch to lower it; suppliers are credited that rate times
    /// this utilization (capped at 1), so the interest credited until the next refresh is at
    /// most what the debt present now pays over it (docs/lending.md, "Stored rates").
    function _refreshed(
        Snapshot memory snap,
        RateBook memory rb,
        uint256 epoch,
        uint256 pending
    ) internal view returns (uint256 charged) {
        uint256 supplyShares;
        uint256 borrowShares;
        uint256 k = shardCount;
        for (uint256 i = 0; i < k; ++i) {
            Shard storage sh = _shard(i);
            supplyShares += sh.supplyShares;
            borrowShares += sh.borrowShares;
        }
        // Pending bad debt is charged now; with no supply left there is no one to charge it to.
        charged = pending;
        if (supplyShares != 0 && pending != 0) {
            uint256 loss = _divUp(pending * WAD, supplyShares);
            // A loss beyond all supply leaves the smallest index, never zero.
            snap.supplyIndex = snap.supplyIndex > loss ? snap.supplyIndex - loss : 1;
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

    /// @notice The indices the next interaction in this block will use (the stored snapshot
    /// advanced to now by the stored rates, refreshed and charged with pending bad debt when due),
    /// computed without writing; what a strategy values a supply position at.
    /// @return supplyIndex Supply index (1e18 scale).
    /// @return borrowIndex Borrow index (1e18 scale).
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
        uint256 xs = rb.supplyRate * left;
        uint256 xb = rb.borrowRate * left;
        supplyIndexAtEnd = snap.supplyIndex + _divUp(snap.supplyIndex * (xs + _divUp(xs * xs, WAD)), WAD);
        borrowIndexAtEnd = snap.borrowIndex + _divUp(snap.borrowIndex * (xb + _divUp(xb * xb, WAD)), WAD);
        if (supplyIndexAtEnd > INDEX_MASK) supplyIndexAtEnd = INDEX_MASK;
        if (borrowIndexAtEnd > INDEX_MASK) borrowIndexAtEnd = INDEX_MASK;
    }

    /// @dev Shard i's storage: shards 0..15 before the positions mapping, 16..63 after it.
    function _shard(uint256 i) internal view returns (Shard storage) {
        return i < LOW_SHARDS ? _shards[i] : _highShards[i - LOW_SHARDS];
    }

    /// @dev Sends `amount` loan assets to `to`: from shard `s`'s escrow first, then from the
    /// escrows of the shards in `sources` in index order. Each escrow gives at most its balance;
    /// reverts unless together they hold enough. Reading a balance warms the slot the transfer
    /// then writes, so this costs far less than booking cash in a market slot.
    function _payOut(uint256 s, uint256 sources, uint256 amount, address to) internal {
        uint256 fromOwn = _drawCash(s, amount, to);
        uint256 left = amount - fromOwn;
        if (left == 0) return;
        sources &= ~(uint256(1) << s);
        for (uint256 i = 0; i < shardCount && left != 0 && sources != 0; ++i) {
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

    function _checkSources(uint256 sources) internal view {
        if (sources >> shardCount != 0) revert InvalidSources(sources);
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
        return x == 0 ? 0 : (x - 1) / d + 1;
    }
}
