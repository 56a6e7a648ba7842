// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ShardEscrow} from "./ShardEscrow.sol";

/// @title EscrowShards
/// @notice Deploys ShardEscrow contracts and computes their addresses without storing them:
/// an escrow is the CREATE child of its owner at a known nonce, so its address is
/// keccak256(rlp([owner, nonce])) (one hash of 23 bytes, no storage read, no immutable).
/// The owner must create nothing but escrows, in order: a contract's first CREATE uses nonce 1,
/// so the owner's i-th escrow (counting from 0) has nonce i + 1, or its owner may reserve
/// nonces by mapping them as it likes (the vault's shard k > 0 is at nonce k).
/// @dev Why CREATE and not CREATE2: CREATE2's address hashes 85 bytes (0xff, owner, salt, init
/// code hash) and needs the init code hash as an immutable or a constant of the owner; the
/// nonce form hashes 23 bytes and needs nothing stored.
/// Slot map: none; the library reads and writes no storage.
/// Conflict argument: see ShardEscrow. Addresses are computed, so locating an escrow reads no
/// shared slot.
library EscrowShards {
    /// @notice The escrow created at `nonce` is not where addressOf says (the owner created
    /// another contract in between, or the nonce is out of range).
    error EscrowAddressMismatch(uint256 nonce);

    /// @notice Largest nonce addressOf supports.
    uint256 internal constant MAX_NONCE = 0xffff;

    /// @notice Creates a ShardEscrow of this contract approving it for `token0` and `token1`,
    /// and checks that it landed at `nonce` (this contract's current nonce).
    /// @param nonce The nonce this creation takes (1 for a contract's first CREATE).
    /// @param token0 A token the escrow approves this contract for.
    /// @param token1 A second token (`token0` again for one token).
    /// @return escrow The new escrow's address.
    function deploy(uint256 nonce, IERC20 token0, IERC20 token1) internal returns (address escrow) {
        escrow = address(new ShardEscrow(token0, token1));
        if (escrow != addressOf(nonce)) revert EscrowAddressMismatch(nonce);
    }

    /// @notice The address of this contract's CREATE child at `nonce` (1 <= nonce <= 0xffff).
    /// @param nonce The nonce of the creation.
    /// @return escrow keccak256(rlp([address(this), nonce]))[12:].
    function addressOf(uint256 nonce) internal view returns (address escrow) {
        if (nonce < 0x80) {
            // The common case, inline: keccak256(0xd6 0x94 ‖ this ‖ nonce), 23 bytes in scratch space.
            assembly ("memory-safe") {
                mstore(0x00, or(or(shl(240, 0xd694), shl(80, address())), shl(72, nonce)))
                escrow := and(keccak256(0x00, 23), 0xffffffffffffffffffffffffffffffffffffffff)
            }
        } else {
            escrow = addressOf(address(this), nonce);
        }
    }

    /// @notice The address of `deployer`'s CREATE child at `nonce` (1 <= nonce <= 0xffff;
    /// outside that range the result is not an address anyone created).
    /// @param deployer The creating contract.
    /// @param nonce The nonce of the creation.
    /// @return escrow keccak256(rlp([deployer, nonce]))[12:].
    function addressOf(address deployer, uint256 nonce) internal pure returns (address escrow) {
        // rlp([deployer, nonce]): 0xd6 0x94 ‖ deployer ‖ nonce (nonce < 0x80, 23 bytes),
        // 0xd7 0x94 ‖ deployer ‖ 0x81 nonce (< 0x100, 24 bytes),
        // 0xd8 0x94 ‖ deployer ‖ 0x82 nonce (2 bytes, 25 bytes); built in scratch space.
        assembly ("memory-safe") {
            let a := shl(80, and(deployer, 0xffffffffffffffffffffffffffffffffffffffff))
            switch lt(nonce, 0x80)
            case 1 {
                mstore(0x00, or(or(shl(240, 0xd694), a), shl(72, nonce)))
                escrow := keccak256(0x00, 23)
            }
            default {
                switch lt(nonce, 0x100)
                case 1 {
                    mstore(0x00, or(or(shl(240, 0xd794), a), or(shl(72, 0x81), shl(64, nonce))))
                    escrow := keccak256(0x00, 24)
                }
                default {
                    mstore(0x00, or(or(shl(240, 0xd894), a), or(shl(72, 0x82), shl(56, nonce))))
                    escrow := keccak256(0x00, 25)
                }
            }
            escrow := and(escrow, 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }
}
