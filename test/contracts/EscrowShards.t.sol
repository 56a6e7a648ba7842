// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {EscrowShards} from "../../contracts/libraries/EscrowShards.sol";

/// @notice An owner of escrows: creates them through the library and pays out of them.
contract EscrowOwner {
    function deploy(uint256 nonce, IERC20 token0, IERC20 token1) external returns (address) {
        return EscrowShards.deploy(nonce, token0, token1);
    }

    function createOther() external returns (address) {
        return address(new Nothing());
    }

    function addressOf(uint256 nonce) external view returns (address) {
        return EscrowShards.addressOf(nonce);
    }

    function pay(IERC20 token, address escrow, address to, uint256 amount) external {
        token.transferFrom(escrow, to, amount);
    }
}

contract Nothing {}

/// @notice EscrowShards and ShardEscrow: escrows land where addressOf says (across the RLP
/// nonce encodings), approve their owner for both tokens (or one), and nobody else can move
/// their tokens.
contract EscrowShardsTest is TestBase {
    MockERC20 internal t0;
    MockERC20 internal t1;
    EscrowOwner internal owner;

    function setUp() public {
        t0 = new MockERC20("T0", "T0", 18);
        t1 = new MockERC20("T1", "T1", 6);
        owner = new EscrowOwner();
    }

    /// The reference: keccak256(rlp([deployer, nonce])) written with abi.encodePacked.
    function _rlpAddress(address deployer, uint256 nonce) internal pure returns (address) {
        bytes memory rlp;
        if (nonce < 0x80) rlp = abi.encodePacked(bytes1(0xd6), bytes1(0x94), deployer, uint8(nonce));
        else if (nonce < 0x100)
            rlp = abi.encodePacked(bytes1(0xd7), bytes1(0x94), deployer, bytes1(0x81), uint8(nonce));
        else rlp = abi.encodePacked(bytes1(0xd8), bytes1(0x94), deployer, bytes1(0x82), uint16(nonce));
        return address(uint160(uint256(keccak256(rlp))));
    }

    function test_firstEscrowsLandAtNoncesOneToK() public {
        for (uint256 i = 1; i <= 5; ++i) {
            address e = owner.deploy(i, t0, t1);
            assertEq(uint160(e), uint160(owner.addressOf(i)), "escrow at its nonce");
            assertEq(uint160(e), uint160(_rlpAddress(address(owner), i)), "escrow at the RLP reference");
            (bool ok, ) = e.call(abi.encodeWithSignature("transfer(address,uint256)", address(this), 1));
            assertTrue(!ok, "an escrow has no function");
        }
    }

    /// Real creations at the nonces where the RLP encoding changes length.
    function test_addressAcrossNonceEncodings() public {
        uint64[6] memory nonces = [uint64(0x7f), 0x80, 0xff, 0x100, 0x101, 0xffff];
        for (uint256 i = 0; i < nonces.length; ++i) {
            vm.setNonce(address(owner), nonces[i]);
            address e = owner.deploy(nonces[i], t0, t1);
            assertEq(uint160(e), uint160(_rlpAddress(address(owner), nonces[i])), "RLP reference");
            assertEq(t0.allowance(e, address(owner)), type(uint256).max, "token0 approved");
        }
    }

    function testFuzz_addressOfMatchesRlp(address deployer, uint256 nonce) public pure {
        nonce = bound(nonce, 1, EscrowShards.MAX_NONCE);
        assertEq(
            uint160(EscrowShards.addressOf(deployer, nonce)),
            uint160(_rlpAddress(deployer, nonce)),
            "addressOf = keccak256(rlp([deployer, nonce]))"
        );
    }

    function test_deployRevertsOffItsNonce() public {
        owner.createOther(); // takes nonce 1
        vm.expectRevert(abi.encodeWithSelector(EscrowShards.EscrowAddressMismatch.selector, 1));
        owner.deploy(1, t0, t1);
    }

    function test_approvesTheOwnerForBothTokens() public {
        address e = owner.deploy(1, t0, t1);
        assertEq(t0.allowance(e, address(owner)), type(uint256).max, "token0");
        assertEq(t1.allowance(e, address(owner)), type(uint256).max, "token1");
        assertEq(t0.allowance(e, address(this)), 0, "nobody else");
    }

    function test_oneTokenPassedTwice() public {
        address e = owner.deploy(1, t0, t0);
        assertEq(t0.allowance(e, address(owner)), type(uint256).max, "token0");
        assertEq(t1.allowance(e, address(owner)), 0, "no other token");
    }

    /// The owner pays out of any of its escrows; the allowance stays infinite (only read).
    function testFuzz_ownerPaysOut(uint256 amount, uint256 out) public {
        amount = bound(amount, 1, 1e30);
        out = bound(out, 0, amount);
        address e = owner.deploy(1, t0, t1);
        t1.mint(e, amount);
        owner.pay(t1, e, address(0xBEEF), out);
        assertEq(t1.balanceOf(e), amount - out, "escrow balance");
        assertEq(t1.balanceOf(address(0xBEEF)), out, "receiver");
        assertEq(t1.allowance(e, address(owner)), type(uint256).max, "allowance unchanged");
    }
}
