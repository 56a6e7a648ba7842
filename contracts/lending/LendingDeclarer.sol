// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {ILendingMarket} from "../interfaces/ILendingMarket.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";
import {AccessList} from "../libraries/AccessList.sol";
import {LendingStorageLib} from "./LendingStorageLib.sol";
import {AccountShard} from "../libraries/AccountShard.sol";

/// @title LendingDeclarer
/// @notice The access declarations of one `LendingMarket` (issue #18 item 4: the declaration
/// code lives beside `LendingStorageLib`, not in the market). The market deploys it in its
/// constructor and forwards `declareAccess` to it by staticcall, so callers of the market see
/// no change; it reads the market's state through `extsload` at the slots `LendingStorageLib`
/// names, and its escrows through `escrowOf`.
/// @dev Moving this code out keeps the market's runtime under the 24,576-byte limit with
/// elastic shards (docs/lending.md). Nothing here runs in a state-changing transaction.
contract LendingDeclarer is IAccessDeclaring {
    using AccessList for AccessList.Builder;

    /// @notice The market whose calls this contract declares.
    ILendingMarket public immutable market;
    address internal immutable loanToken;
    address internal immutable collateralToken;
    address internal immutable oracle;
    /// Where token slots are looked up (zero: every token access is the whole account).
    ITokenLayoutRegistry internal immutable tokenLayouts;

    /// @param loanToken_ The market's loan asset.
    /// @param collateralToken_ The market's collateral asset.
    /// @param oracle_ The market's price feed.
    /// @param tokenLayouts_ Token layout registry (zero for none).
    constructor(address loanToken_, address collateralToken_, address oracle_, ITokenLayoutRegistry tokenLayouts_) {
        market = ILendingMarket(msg.sender);
        loanToken = loanToken_;
        collateralToken = collateralToken_;
        oracle = oracle_;
        tokenLayouts = tokenLayouts_;
    }

    /// @notice The storage that `data`, sent by `sender` to the market, may read or write.
    /// @dev Token slots are exact for tokens `tokenLayouts` knows (see `_declareTransferFrom`),
    /// the whole token account otherwise; the oracle is declared as the whole account. An
    /// account whose position has no shard yet is declared in both candidate shards while a
    /// shard-count change is pending (see `_candidates`).
    /// @param sender The transaction's `msg.sender` at the market.
    /// @param data The calldata sent to the market.
    /// @return accesses Every location the call may touch, each listed once.
    function declareAccess(address sender, bytes calldata data) external view returns (Access[] memory accesses) {
        if (data.length < 4) revert ILendingMarket.UnknownSelector(bytes4(0));
        bytes4 sel = bytes4(data[:4]);
        uint256 snapshotWord = _load(bytes32(LendingStorageLib.SNAPSHOT));
        (, uint256 next) = LendingStorageLib.shardCounts(snapshotWord);
        AccessList.Builder memory list = AccessList.create(4 * next + 16);
        if (
            sel == ILendingMarket.supply.selector ||
            sel == ILendingMarket.withdraw.selector ||
            sel == ILendingMarket.repay.selector
        ) {
            _declareLoanSide(list, sel, sender, data, snapshotWord);
        } else if (
            sel == ILendingMarket.depositCollateral.selector ||
            sel == ILendingMarket.withdrawCollateral.selector ||
            sel == ILendingMarket.borrow.selector ||
            sel == ILendingMarket.liquidate.selector
        ) {
            _declareBorrowSide(list, sel, sender, data, snapshotWord);
        } else if (sel == ILendingMarket.accrue.selector) {
            _declareSnapshot(list, next);
        } else {
            _declareAdmin(list, sel, data, next);
        }
        accesses = list.finish();
    }

    /// @dev The rate refresh, the owner's controls and ownership.
    function _declareAdmin(
        AccessList.Builder memory list,
        bytes4 sel,
        bytes calldata data,
        uint256 next
    ) internal view {
        address m = address(market);
        if (sel == ILendingMarket.setRateEpoch.selector || sel == ILendingMarket.refreshRates.selector) {
            // A refresh from the current totals: reads every shard, writes the rates, the
            // snapshot and the bad-debt book; serialized against everyone.
            _declareSnapshot(list, next);
            list.add(m, bytes32(LendingStorageLib.RATES), AccessList.WRITE);
            if (sel == ILendingMarket.setRateEpoch.selector)
                list.add(m, bytes32(LendingStorageLib.OWNER), AccessList.READ);
            for (uint256 i = 0; i < next; ++i) {
                list.add(m, LendingStorageLib.shardSlot(i), AccessList.READ);
                list.add(m, LendingStorageLib.shardBadDebtSlot(i), AccessList.READ);
            }
        } else if (
            sel == ILendingMarket.setPaused.selector ||
            sel == ILendingMarket.setCaps.selector ||
            sel == ILendingMarket.setShardCount.selector
        ) {
            // Owner flags and shard counts share the snapshot slot: a real write, serialized
            // against everyone.
            _declareSnapshot(list, next);
            list.add(m, bytes32(LendingStorageLib.SNAPSHOT), AccessList.WRITE);
            list.add(m, bytes32(LendingStorageLib.OWNER), AccessList.READ);
            if (sel == ILendingMarket.setCaps.selector)
                list.add(m, bytes32(LendingStorageLib.CONFIG), AccessList.WRITE);
            if (sel == ILendingMarket.setShardCount.selector) {
                uint256 count = abi.decode(data[4:], (uint256));
                // Each new escrow is created and approves the market in both tokens.
                for (uint256 k = next; k < count && k < LendingStorageLib.MAX_SHARDS; ++k) {
                    address escrow = market.escrowOf(k);
                    list.add(escrow, AccessList.ANY_SLOT, AccessList.WRITE);
                    list.add(loanToken, _tokenSlot(loanToken, escrow, m), AccessList.WRITE);
                    list.add(collateralToken, _tokenSlot(collateralToken, escrow, m), AccessList.WRITE);
                }
            }
        } else {
            _declareOwner(list, sel, m);
        }
    }

    function _declareLoanSide(
        AccessList.Builder memory list,
        bytes4 sel,
        address sender,
        bytes calldata data,
        uint256 snapshotWord
    ) internal view {
        (, uint256 next) = LendingStorageLib.shardCounts(snapshotWord);
        _declareSnapshot(list, next);
        address m = address(market);
        if (sel == ILendingMarket.supply.selector) {
            list.add(m, bytes32(LendingStorageLib.CONFIG), AccessList.READ);
            list.add(m, LendingStorageLib.positionSlot(sender), AccessList.WRITE);
            (uint256 s1, uint256 s2) = _supplyCandidates(sender, snapshotWord);
            _declarePayIn(list, s1, s2, sender);
        } else if (sel == ILendingMarket.withdraw.selector) {
            (, address receiver, uint256 sources) = abi.decode(data[4:], (uint256, address, uint256));
            _checkSources(sources, next);
            list.add(m, LendingStorageLib.positionSlot(sender), AccessList.WRITE);
            (uint256 s1, uint256 s2) = _supplyCandidates(sender, snapshotWord);
            _declarePaidOut(list, s1, s2, sources, receiver, next);
        } else {
            (, address onBehalf) = abi.decode(data[4:], (uint256, address));
            list.add(m, LendingStorageLib.loanSlot(onBehalf), AccessList.WRITE);
            (uint256 s1, uint256 s2) = _loanCandidates(onBehalf, snapshotWord);
            _declarePayIn(list, s1, s2, sender);
        }
    }

    function _declareBorrowSide(
        AccessList.Builder memory list,
        bytes4 sel,
        address sender,
        bytes calldata data,
        uint256 snapshotWord
    ) internal view {
        address m = address(market);
        (, uint256 next) = LendingStorageLib.shardCounts(snapshotWord);
        if (sel == ILendingMarket.depositCollateral.selector) {
            list.add(m, LendingStorageLib.loanSlot(sender), AccessList.WRITE);
            (uint256 c1, uint256 c2) = _loanCandidates(sender, snapshotWord);
            // A position without a shard reads the shard count in the snapshot slot.
            if (LendingStorageLib.loanTag(_load(LendingStorageLib.loanSlot(sender))) == 0) {
                list.add(m, bytes32(LendingStorageLib.SNAPSHOT), AccessList.READ_SNAPSHOT);
            }
            _declareTransferFrom(list, collateralToken, sender, market.escrowOf(c1));
            _declareTransferFrom(list, collateralToken, sender, market.escrowOf(c2));
            return;
        }
        _declareSnapshot(list, next);
        list.add(oracle, AccessList.ANY_SLOT, AccessList.READ);
        if (sel == ILendingMarket.withdrawCollateral.selector) {
            (, address receiver) = abi.decode(data[4:], (uint256, address));
            list.add(m, LendingStorageLib.loanSlot(sender), AccessList.WRITE);
            (uint256 c1, uint256 c2) = _loanCandidates(sender, snapshotWord);
            _declareTransferFrom(list, collateralToken, market.escrowOf(c1), receiver);
            _declareTransferFrom(list, collateralToken, market.escrowOf(c2), receiver);
            return;
        }
        if (sel == ILendingMarket.borrow.selector) {
            (, address receiver, uint256 sources) = abi.decode(data[4:], (uint256, address, uint256));
            _checkSources(sources, next);
            list.add(m, bytes32(LendingStorageLib.CONFIG), AccessList.READ);
            list.add(m, LendingStorageLib.loanSlot(sender), AccessList.WRITE);
            (uint256 s1, uint256 s2) = _loanCandidates(sender, snapshotWord);
            _declarePaidOut(list, s1, s2, sources, receiver, next);
        } else {
            (address borrower, ) = abi.decode(data[4:], (address, uint256));
            (uint256 s1, uint256 s2) = _loanCandidates(borrower, snapshotWord);
            // Both shard slots and the bad-debt book: a liquidation that exhausts the collateral
            // books bad debt (the book is read only by the next block's snapshot).
            list.add(m, bytes32(LendingStorageLib.BAD_DEBT_BOOK), AccessList.WRITE);
            list.add(m, LendingStorageLib.loanSlot(borrower), AccessList.WRITE);
            _declareLiquidated(list, s1, sender);
            _declareLiquidated(list, s2, sender);
        }
    }

    /// @dev A liquidation of a shard-`s` borrower by `liquidator`: both shard slots, the repayment
    /// into the escrow and the seized collateral out of it.
    function _declareLiquidated(AccessList.Builder memory list, uint256 s, address liquidator) internal view {
        address m = address(market);
        list.add(m, LendingStorageLib.shardSlot(s), AccessList.WRITE);
        list.add(m, LendingStorageLib.shardBadDebtSlot(s), AccessList.WRITE);
        address escrow = market.escrowOf(s);
        _declareTransferFrom(list, loanToken, liquidator, escrow);
        _declareTransferFrom(list, collateralToken, escrow, liquidator);
    }

    function _declareShard(AccessList.Builder memory list, uint256 s) internal view {
        list.add(address(market), LendingStorageLib.shardSlot(s), AccessList.WRITE);
    }

    /// @dev A loan-token payment from `from` into whichever of the candidate shards `s1`, `s2`
    /// the position is in: both shard words and both escrows' balances (the same shard twice
    /// when there is no pending count change; the builder merges it).
    function _declarePayIn(AccessList.Builder memory list, uint256 s1, uint256 s2, address from) internal view {
        _declareShard(list, s1);
        _declareShard(list, s2);
        _declareTransferFrom(list, loanToken, from, market.escrowOf(s1));
        _declareTransferFrom(list, loanToken, from, market.escrowOf(s2));
    }

    /// @dev A loan-token payment out of whichever of the candidate shards `s1`, `s2` the
    /// position is in (with the fallback `sources` each may draw on) to `receiver`.
    function _declarePaidOut(
        AccessList.Builder memory list,
        uint256 s1,
        uint256 s2,
        uint256 sources,
        address receiver,
        uint256 next
    ) internal view {
        _declareShard(list, s1);
        _declareShard(list, s2);
        _declarePayOut(list, s1, sources, receiver, next);
        _declarePayOut(list, s2, sources, receiver, next);
    }

    /// @dev The shards a supply position of `account` may be in when the declared call runs: its
    /// tag, or (no tag yet) its address modulo the count in force, which is either count while
    /// a change is pending.
    function _supplyCandidates(address account, uint256 snapshotWord) internal view returns (uint256, uint256) {
        uint256 tag = LendingStorageLib.supplyTag(_load(LendingStorageLib.positionSlot(account)));
        return _candidates(tag, account, snapshotWord);
    }

    /// @dev As `_supplyCandidates`, for the loan position.
    function _loanCandidates(address account, uint256 snapshotWord) internal view returns (uint256, uint256) {
        uint256 tag = LendingStorageLib.loanTag(_load(LendingStorageLib.loanSlot(account)));
        return _candidates(tag, account, snapshotWord);
    }

    function _candidates(
        uint256 tag,
        address account,
        uint256 snapshotWord
    ) internal pure returns (uint256 s1, uint256 s2) {
        if (tag != 0) return (tag - 1, tag - 1);
        (uint256 count, uint256 next) = LendingStorageLib.shardCounts(snapshotWord);
        s1 = AccountShard.shardOf(account, count);
        s2 = AccountShard.shardOf(account, next);
    }

    /// @dev A `transferFrom(from, to)` by the market: the allowance (written unless infinite;
    /// declared written) and both balances, or the token's whole account if its layout is unknown.
    function _declareTransferFrom(
        AccessList.Builder memory list,
        address token,
        address from,
        address to
    ) internal view {
        list.add(token, _tokenSlot(token, from, address(market)), AccessList.WRITE);
        list.add(token, _tokenSlot(token, from, address(0)), AccessList.WRITE);
        list.add(token, _tokenSlot(token, to, address(0)), AccessList.WRITE);
    }

    /// @dev A token slot from `tokenLayouts` (ANY_SLOT without a registry or for an unknown token).
    function _tokenSlot(address token, address account, address spender) internal view returns (bytes32) {
        ITokenLayoutRegistry registry = tokenLayouts;
        if (address(registry) == address(0)) return AccessList.ANY_SLOT;
        return registry.tokenSlot(token, account, spender);
    }

    /// @dev The market's `_payOut`: shard `s`'s escrow, then the escrows of `sources`, each read
    /// and maybe paying `receiver`.
    function _declarePayOut(
        AccessList.Builder memory list,
        uint256 s,
        uint256 sources,
        address receiver,
        uint256 next
    ) internal view {
        _declareTransferFrom(list, loanToken, market.escrowOf(s), receiver);
        for (uint256 i = 0; i < next; ++i) {
            if (i != s && (sources >> i) & 1 == 1) _declareTransferFrom(list, loanToken, market.escrowOf(i), receiver);
        }
    }

    function _declareOwner(AccessList.Builder memory list, bytes4 sel, address m) internal pure {
        if (sel == Ownable.transferOwnership.selector) {
            list.add(m, bytes32(LendingStorageLib.OWNER), AccessList.READ);
            list.add(m, bytes32(LendingStorageLib.PENDING_OWNER), AccessList.WRITE);
        } else if (sel == Ownable2Step.acceptOwnership.selector || sel == Ownable.renounceOwnership.selector) {
            list.add(m, bytes32(LendingStorageLib.OWNER), AccessList.WRITE);
            list.add(m, bytes32(LendingStorageLib.PENDING_OWNER), AccessList.WRITE);
        } else {
            revert ILendingMarket.UnknownSelector(sel);
        }
    }

    /// @dev The snapshot block: the snapshot slot is read by everyone and written by the block's
    /// first interaction; the rates are read by everyone (written only by `refreshRates` and the
    /// owner, declared WRITE there); the bad-debt charge's inputs (the book, every shard's supply
    /// shares) are read only by the first interaction of the block after new bad debt, so they are
    /// SNAPSHOT accesses (docs/access-lists.md, rule 5). Whether bad debt is pending is not known
    /// when declaring, so every shard is declared: the declaration holds in any block.
    function _declareSnapshot(AccessList.Builder memory list, uint256 next) internal view {
        address m = address(market);
        list.add(m, bytes32(LendingStorageLib.SNAPSHOT), AccessList.READ_SNAPSHOT);
        list.add(m, bytes32(LendingStorageLib.RATES), AccessList.READ_SNAPSHOT);
        list.add(m, bytes32(LendingStorageLib.BAD_DEBT_BOOK), AccessList.SNAPSHOT);
        for (uint256 i = 0; i < next; ++i) {
            list.add(m, LendingStorageLib.shardSlot(i), AccessList.SNAPSHOT);
            list.add(m, LendingStorageLib.shardBadDebtSlot(i), AccessList.SNAPSHOT);
        }
    }

    function _checkSources(uint256 sources, uint256 next) internal pure {
        if (sources >> next != 0) revert ILendingMarket.InvalidSources(sources);
    }

    function _load(bytes32 slot) internal view returns (uint256) {
        bytes32[] memory slots = new bytes32[](1);
        slots[0] = slot;
        return uint256(market.extsload(slots)[0]);
    }
}
