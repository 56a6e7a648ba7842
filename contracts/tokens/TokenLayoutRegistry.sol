// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {ITokenLayoutRegistry} from "./ITokenLayoutRegistry.sol";
import {TokenSlots} from "./TokenSlots.sol";
import {AccessList} from "../libraries/AccessList.sol";

/// @title TokenLayoutRegistry
/// @notice Write-once record of where tokens keep their balances and allowances. The suite's
/// contracts read it in `declareAccess` to name the exact token slots a call touches (a
/// holder's balance, an allowance) instead of the token's whole account; a token without an
/// entry keeps the whole-account declaration (ANY_SLOT). See docs/access-lists.md.
/// @dev Trust assumption: the owner registers only tokens whose transfers touch nothing but
/// the two mappings (plain OpenZeppelin-style ERC-20s: no fees, hooks, rebasing or
/// checkpoints) and gives their true slot indices. A wrong entry makes every declaration for
/// that token wrong; `npx hardhat conflicts check-declared` and the suite's
/// observed-within-declared tests report it. An entry can never be changed or removed, so a
/// declaration made at the start of a block stays valid for the whole block.
/// Storage: 0 owner, 1 pending owner (Ownable2Step); layouts at keccak256(token, 2), three
/// consecutive slots (registered, balancesSlot, allowancesSlot).
contract TokenLayoutRegistry is ITokenLayoutRegistry, IAccessDeclaring, Ownable2Step {
    /// @dev One token's entry.
    struct Layout {
        bool registered;
        uint256 balancesSlot;
        uint256 allowancesSlot;
    }

    uint256 internal constant SLOT_OWNER = 0;
    uint256 internal constant SLOT_PENDING_OWNER = 1;

    mapping(address token => Layout) internal _layouts; // slot 2

    /// @notice `token`'s layout was recorded.
    /// @param token The token.
    /// @param balancesSlot Slot index of its balances mapping.
    /// @param allowancesSlot Slot index of its allowances mapping.
    event LayoutRegistered(address indexed token, uint256 balancesSlot, uint256 allowancesSlot);

    /// @notice `token` already has a layout; entries are write-once.
    error AlreadyRegistered(address token);
    /// @notice `token` has no code: it cannot be a token.
    error NotAContract(address token);
    /// @notice The two mappings can not share a slot.
    error SameSlot(uint256 slot);
    /// @notice `declareAccess` was asked about a selector this contract does not declare.
    error UnknownSelector(bytes4 selector);

    /// @param initialOwner Who may register layouts.
    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @notice Records the layout of `token`, once and for all.
    /// @param token The token contract (must have code).
    /// @param balancesSlot Slot index of its `mapping(address => uint256)` of balances.
    /// @param allowancesSlot Slot index of its `mapping(address => mapping(address => uint256))` of allowances.
    function register(address token, uint256 balancesSlot, uint256 allowancesSlot) external onlyOwner {
        if (token.code.length == 0) revert NotAContract(token);
        if (balancesSlot == allowancesSlot) revert SameSlot(balancesSlot);
        Layout storage entry = _layouts[token];
        if (entry.registered) revert AlreadyRegistered(token);
        entry.registered = true;
        entry.balancesSlot = balancesSlot;
        entry.allowancesSlot = allowancesSlot;
        emit LayoutRegistered(token, balancesSlot, allowancesSlot);
    }

    /// @inheritdoc ITokenLayoutRegistry
    function layoutOf(
        address token
    ) external view returns (bool registered, uint256 balancesSlot, uint256 allowancesSlot) {
        Layout storage entry = _layouts[token];
        return (entry.registered, entry.balancesSlot, entry.allowancesSlot);
    }

    /// @inheritdoc ITokenLayoutRegistry
    function tokenSlot(address token, address account, address spender) external view returns (bytes32) {
        TokenSlots.Layout memory layout = TokenSlots.load(this, token);
        return
            spender == address(0)
                ? TokenSlots.balance(layout, account)
                : TokenSlots.allowance(layout, account, spender);
    }

    /// @notice The first of the three storage slots of `token`'s entry.
    /// @param token The token.
    /// @return slot The slot (the other two follow it).
    function entrySlot(address token) public pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, token)
            mstore(0x20, _layouts.slot)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @inheritdoc IAccessDeclaring
    /// @dev `register` reads the owner and writes the entry (its three slots); the ownership
    /// functions touch the owner and pending-owner slots.
    function declareAccess(address, bytes calldata data) external view returns (Access[] memory accesses) {
        if (data.length < 4) revert UnknownSelector(bytes4(0));
        bytes4 sel = bytes4(data[:4]);
        if (sel == this.register.selector) {
            address token = abi.decode(data[4:], (address));
            uint256 first = uint256(entrySlot(token));
            accesses = new Access[](4);
            accesses[0] = Access(address(this), bytes32(SLOT_OWNER), AccessList.READ);
            for (uint256 i = 0; i < 3; ++i)
                accesses[1 + i] = Access(address(this), bytes32(first + i), AccessList.READ_WRITE);
        } else if (sel == this.transferOwnership.selector) {
            accesses = new Access[](2);
            accesses[0] = Access(address(this), bytes32(SLOT_OWNER), AccessList.READ);
            accesses[1] = Access(address(this), bytes32(SLOT_PENDING_OWNER), AccessList.READ_WRITE);
        } else if (sel == this.acceptOwnership.selector || sel == this.renounceOwnership.selector) {
            accesses = new Access[](2);
            accesses[0] = Access(address(this), bytes32(SLOT_OWNER), AccessList.READ_WRITE);
            accesses[1] = Access(address(this), bytes32(SLOT_PENDING_OWNER), AccessList.READ_WRITE);
        } else {
            revert UnknownSelector(sel);
        }
    }
}
