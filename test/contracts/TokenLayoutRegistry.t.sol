// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessCheck} from "../utils/AccessCheck.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {TokenLayoutRegistry} from "../../contracts/tokens/TokenLayoutRegistry.sol";
import {ITokenLayoutRegistry} from "../../contracts/tokens/ITokenLayoutRegistry.sol";
import {TokenSlots} from "../../contracts/tokens/TokenSlots.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {NoReturnToken} from "../../contracts/mocks/NoReturnToken.sol";

/// @notice Exposes TokenSlots to tests.
contract TokenSlotsHarness {
    function balance(ITokenLayoutRegistry r, address token, address account) external view returns (bytes32) {
        return TokenSlots.balance(TokenSlots.load(r, token), account);
    }

    function allowance(
        ITokenLayoutRegistry r,
        address token,
        address owner,
        address spender
    ) external view returns (bytes32) {
        return TokenSlots.allowance(TokenSlots.load(r, token), owner, spender);
    }
}

/// @notice The registry: owner-only, write-once, unknown tokens; the slots it yields are the
/// slots a real token writes; its own declarations cover what its functions touch.
contract TokenLayoutRegistryTest is AccessCheck {
    event LayoutRegistered(address indexed token, uint256 balancesSlot, uint256 allowancesSlot);

    bytes32 internal constant ANY_SLOT = bytes32(type(uint256).max);
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    TokenLayoutRegistry internal registry;
    TokenSlotsHarness internal slots;
    MockERC20 internal token;

    function setUp() public {
        registry = new TokenLayoutRegistry(address(this));
        slots = new TokenSlotsHarness();
        token = new MockERC20("T", "T", 18);
    }

    function test_unknownTokenIsWholeAccount() public view {
        (bool known, uint256 b, uint256 a) = registry.layoutOf(address(token));
        assertTrue(!known, "registered by default");
        assertEq(b + a, 0, "slots of an unknown token");
        assertTrue(slots.balance(registry, address(token), ALICE) == ANY_SLOT, "balance of unknown token");
        assertTrue(slots.allowance(registry, address(token), ALICE, BOB) == ANY_SLOT, "allowance of unknown token");
        assertTrue(registry.tokenSlot(address(token), ALICE, address(0)) == ANY_SLOT, "tokenSlot of unknown token");
        assertTrue(registry.tokenSlot(address(token), ALICE, BOB) == ANY_SLOT, "tokenSlot allowance of unknown token");
        ITokenLayoutRegistry none = ITokenLayoutRegistry(address(0));
        assertTrue(slots.balance(none, address(token), ALICE) == ANY_SLOT, "no registry");
    }

    function test_registerRecordsAndEmits() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit LayoutRegistered(address(token), 0, 1);
        registry.register(address(token), 0, 1);
        (bool known, uint256 b, uint256 a) = registry.layoutOf(address(token));
        assertTrue(known, "not registered");
        assertEq(b, 0, "balances slot");
        assertEq(a, 1, "allowances slot");
    }

    function test_writeOnce() public {
        registry.register(address(token), 0, 1);
        vm.expectRevert(abi.encodeWithSelector(TokenLayoutRegistry.AlreadyRegistered.selector, address(token)));
        registry.register(address(token), 3, 4);
        (, uint256 b, uint256 a) = registry.layoutOf(address(token));
        assertEq(b * 10 + a, 1, "entry changed");
    }

    function test_onlyOwner() public {
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", ALICE));
        registry.register(address(token), 0, 1);
        registry.transferOwnership(ALICE);
        vm.prank(ALICE);
        registry.acceptOwnership();
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", address(this)));
        registry.register(address(token), 0, 1);
        vm.prank(ALICE);
        registry.register(address(token), 0, 1);
    }

    function test_rejectsBadEntries() public {
        vm.expectRevert(abi.encodeWithSelector(TokenLayoutRegistry.NotAContract.selector, ALICE));
        registry.register(ALICE, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(TokenLayoutRegistry.SameSlot.selector, uint256(2)));
        registry.register(address(token), 2, 2);
    }

    /// The computed slots are where an OpenZeppelin ERC20 (slots 0 and 1) and a hand-written
    /// token (NoReturnToken: balanceOf at 1, allowance at 2) keep the values.
    function test_slotsMatchRealTokens() public {
        registry.register(address(token), 0, 1);
        token.mint(ALICE, 123);
        vm.prank(ALICE);
        token.approve(BOB, 456);
        assertEq(uint256(vm.load(address(token), slots.balance(registry, address(token), ALICE))), 123, "balance");
        assertEq(
            uint256(vm.load(address(token), slots.allowance(registry, address(token), ALICE, BOB))),
            456,
            "allowance"
        );
        assertTrue(
            registry.tokenSlot(address(token), ALICE, address(0)) == slots.balance(registry, address(token), ALICE),
            "tokenSlot balance"
        );
        assertEq(
            uint256(vm.load(address(token), registry.tokenSlot(address(token), ALICE, BOB))),
            456,
            "tokenSlot allowance"
        );
        NoReturnToken plain = new NoReturnToken();
        registry.register(address(plain), 1, 2);
        plain.mint(ALICE, 77);
        vm.prank(ALICE);
        plain.approve(BOB, 88);
        assertEq(uint256(vm.load(address(plain), slots.balance(registry, address(plain), ALICE))), 77, "balance");
        assertEq(
            uint256(vm.load(address(plain), slots.allowance(registry, address(plain), ALICE, BOB))),
            88,
            "allowance"
        );
    }

    /// A transferFrom of a registered token touches exactly the slots TokenSlots names.
    function test_transferFromTouchesExactlyTheNamedSlots() public {
        registry.register(address(token), 0, 1);
        token.mint(ALICE, 100);
        vm.prank(ALICE);
        token.approve(BOB, 50);
        IAccessDeclaring.Access[] memory d = new IAccessDeclaring.Access[](3);
        d[0] = IAccessDeclaring.Access(address(token), slots.allowance(registry, address(token), ALICE, BOB), 3);
        d[1] = IAccessDeclaring.Access(address(token), slots.balance(registry, address(token), ALICE), 3);
        d[2] = IAccessDeclaring.Access(address(token), slots.balance(registry, address(token), address(0xCAFE)), 3);
        _recordedCall(address(token), BOB, abi.encodeCall(token.transferFrom, (ALICE, address(0xCAFE), 30)));
        _assertExactSlots(d, address(token), "transferFrom");
    }

    function test_ownDeclarationsCoverItsFunctions() public {
        bytes memory data = abi.encodeCall(registry.register, (address(token), 0, 1));
        IAccessDeclaring.Access[] memory d = registry.declareAccess(address(this), data);
        _recordedCall(address(registry), address(this), data);
        _assertExactSlots(d, address(registry), "register");
        data = abi.encodeCall(registry.transferOwnership, (ALICE));
        d = registry.declareAccess(address(this), data);
        _recordedCall(address(registry), address(this), data);
        assertTrue(_covered(d, address(registry)), "transferOwnership");
        data = abi.encodeCall(registry.acceptOwnership, ());
        d = registry.declareAccess(ALICE, data);
        _recordedCall(address(registry), ALICE, data);
        assertTrue(_covered(d, address(registry)), "acceptOwnership");
        data = abi.encodeCall(registry.renounceOwnership, ());
        d = registry.declareAccess(ALICE, data);
        _recordedCall(address(registry), ALICE, data);
        assertTrue(_covered(d, address(registry)), "renounceOwnership");
        vm.expectRevert(abi.encodeWithSelector(TokenLayoutRegistry.UnknownSelector.selector, bytes4(0xdeadbeef)));
        registry.declareAccess(ALICE, hex"deadbeef");
    }
}
