// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {IDisjointFactory} from "./interfaces/IDisjointFactory.sol";
import {DisjointPair, IDisjointPairDeployer} from "./DisjointPair.sol";
import {AccessList} from "../libraries/AccessList.sol";
import {PairAddress} from "./libraries/PairAddress.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";
import {TokenSlots} from "../tokens/TokenSlots.sol";
import {DexStorageLib} from "./libraries/DexStorageLib.sol";

/// @title DisjointFactory
/// @notice Creates pairs with Uniswap V2's factory interface, and up to MAX_SHARDS shards per
/// token pair. Nothing here is written on swap or liquidity paths: the factory is touched only
/// when pools are created. Pool addresses are CREATE2-derived from (token0, token1, index).
/// Shard counts are set by the shard admin (the deployer, transferable): unrestricted shard
/// creation would let anyone make every swap routed by the shard rule read 16 pools.
/// @dev Storage layout: slot 0 getPair, slot 1 allPairs, slot 2 shardAdmin (named, with the
/// derivations, in `DexStorageLib`: FACTORY_*).
contract DisjointFactory is IDisjointFactory, IDisjointPairDeployer, IAccessDeclaring {
    using AccessList for AccessList.Builder;
    using TokenSlots for TokenSlots.Layout;

    /// @notice Both tokens are the same.
    error IdenticalAddresses();
    /// @notice A token is the zero address.
    error ZeroAddress();
    /// @notice The pair already exists.
    error PairExists();
    /// @notice The pair does not exist.
    error PairNotFound();
    /// @notice The shard count must grow and stay within MAX_SHARDS.
    error InvalidShardCount(uint256 count);
    /// @notice `declareAccess` was asked about a selector this contract does not declare.
    error UnknownSelector(bytes4 selector);
    /// @notice Only the shard admin may create shards.
    error NotShardAdmin();

    /// @notice The shard admin changed.
    event ShardAdminSet(address indexed admin);

    /// @notice Most shards a token pair can have.
    uint256 public constant MAX_SHARDS = 16;
    /// @notice keccak256 of the pair's creation code, for CREATE2 address derivation.
    bytes32 public immutable PAIR_INIT_CODE_HASH;
    /// @notice The token layout registry that the pairs' and the router's `declareAccess` read
    /// (zero: none, every token access is declared as the token's whole account).
    ITokenLayoutRegistry public immutable tokenLayouts;

    /// @inheritdoc IDisjointFactory
    mapping(address tokenA => mapping(address tokenB => address pair)) public getPair;
    /// @inheritdoc IDisjointFactory
    address[] public allPairs;
    /// @notice Who may create shards (`createShardedPair`, `addShards`).
    address public shardAdmin;

    // Deployment parameters, transient: read by the pair's constructor.
    bytes32 private constant PARAM_TOKEN0 = keccak256("disjoint.factory.token0");
    bytes32 private constant PARAM_TOKEN1 = keccak256("disjoint.factory.token1");
    bytes32 private constant PARAM_INDEX = keccak256("disjoint.factory.index");

    /// @param tokenLayouts_ Token layout registry for access declarations (zero for none).
    constructor(ITokenLayoutRegistry tokenLayouts_) {
        PAIR_INIT_CODE_HASH = keccak256(type(DisjointPair).creationCode);
        tokenLayouts = tokenLayouts_;
        shardAdmin = msg.sender;
        emit ShardAdminSet(msg.sender);
    }

    modifier onlyShardAdmin() {
        if (msg.sender != shardAdmin) revert NotShardAdmin();
        _;
    }

    /// @notice Hands the shard admin role to `admin` (zero renounces it for good).
    /// @param admin The new shard admin.
    function setShardAdmin(address admin) external onlyShardAdmin {
        shardAdmin = admin;
        emit ShardAdminSet(admin);
    }

    /// @inheritdoc IDisjointFactory
    function allPairsLength() external view returns (uint256) {
        return allPairs.length;
    }

    /// @inheritdoc IDisjointPairDeployer
    function deployParameters() external view returns (address token0, address token1, uint256 shardIndex) {
        bytes32 s0 = PARAM_TOKEN0;
        bytes32 s1 = PARAM_TOKEN1;
        bytes32 si = PARAM_INDEX;
        assembly ("memory-safe") {
            token0 := tload(s0)
            token1 := tload(s1)
            shardIndex := tload(si)
        }
    }

    /// @inheritdoc IDisjointFactory
    function createPair(address tokenA, address tokenB) external returns (address pair) {
        (address token0, address token1) = _newPair(tokenA, tokenB);
        pair = _deploy(token0, token1, 0);
    }

    /// @notice Creates a token pair with `count` shards, in force from the next block. If a
    /// one-shard pair was already made by the permissionless `createPair` (for instance to
    /// front-run this call), it becomes shard 0 and the other shards are added to it.
    /// @param tokenA One token.
    /// @param tokenB The other token.
    /// @param count The number of shards, 1 to MAX_SHARDS.
    /// @return pair Shard 0.
    function createShardedPair(
        address tokenA,
        address tokenB,
        uint256 count
    ) external onlyShardAdmin returns (address pair) {
        if (count == 0 || count > MAX_SHARDS) revert InvalidShardCount(count);
        if (tokenA == tokenB) revert IdenticalAddresses();
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        if (token0 == address(0)) revert ZeroAddress();
        pair = getPair[token0][token1];
        if (pair == address(0)) {
            pair = _deploy(token0, token1, 0);
        } else {
            // Only a plain createPair pair (one shard made) is taken over; a sharded one grows
            // by addShards.
            (, uint256 created, ) = DisjointPair(pair).shardInfo();
            if (created != 1) revert PairExists();
        }
        for (uint256 i = 1; i < count; ++i) _deploy(token0, token1, i);
        // Like addShards, the count applies from the next block: in this block the pair has
        // one shard, as if made by createPair, so a declaration made before the pair existed
        // (addLiquidity into shard 0 via createPair) stays a superset.
        DisjointPair(pair).setShardInfo(1, uint8(count), uint64(block.number + 1));
        emit ShardCountSet(token0, token1, count, block.number + 1);
    }

    /// @notice Grows an existing token pair to `count` shards. The new shards exist at once
    /// but the router uses them, and places liquidity by them, from the next block on, so
    /// that access lists declared against the start of a block stay exact.
    /// @param tokenA One token.
    /// @param tokenB The other token.
    /// @param count The new number of shards, above the current one and at most MAX_SHARDS.
    function addShards(address tokenA, address tokenB, uint256 count) external onlyShardAdmin {
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        address shard0 = getPair[token0][token1];
        if (shard0 == address(0)) revert PairNotFound();
        (, uint256 created, ) = DisjointPair(shard0).shardInfo();
        if (count <= created || count > MAX_SHARDS) revert InvalidShardCount(count);
        for (uint256 i = created; i < count; ++i) _deploy(token0, token1, i);
        uint256 inForce = DisjointPair(shard0).shardCount();
        DisjointPair(shard0).setShardInfo(uint8(inForce), uint8(count), uint64(block.number + 1));
        emit ShardCountSet(token0, token1, count, block.number + 1);
    }

    /// @inheritdoc IDisjointFactory
    function shardsOf(address tokenA, address tokenB) external view returns (uint256) {
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        address shard0 = getPair[token0][token1];
        return shard0 == address(0) ? 0 : DisjointPair(shard0).shardCount();
    }

    /// @inheritdoc IDisjointFactory
    function getShard(address tokenA, address tokenB, uint256 index) external view returns (address) {
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        address shard0 = getPair[token0][token1];
        if (shard0 == address(0)) return address(0);
        (, uint256 created, ) = DisjointPair(shard0).shardInfo();
        if (index >= created) return address(0);
        return PairAddress.compute(address(this), PAIR_INIT_CODE_HASH, token0, token1, index);
    }

    /// @inheritdoc IAccessDeclaring
    /// @dev createPair/createShardedPair write getPair (both orders), allPairs' length and new
    /// elements, and the new pools' whole accounts; addShards also writes shard 0's shard info;
    /// the shard-admin functions read (setShardAdmin writes) slot 2.
    function declareAccess(address, bytes calldata data) external view returns (Access[] memory) {
        bytes4 selector = bytes4(data[:4]);
        if (selector == this.setShardAdmin.selector) {
            AccessList.Builder memory only = AccessList.create(1);
            only.add(address(this), DexStorageLib.FACTORY_SHARD_ADMIN_SLOT, AccessList.READ_WRITE);
            return only.finish();
        }
        (address tokenA, address tokenB, uint256 count, bool created) = _parseCreation(selector, data);
        if (count == 0 || count > MAX_SHARDS) revert InvalidShardCount(count);
        (address token0, address token1) = PairAddress.sortTokens(tokenA, tokenB);
        AccessList.Builder memory list = AccessList.create(2 * count + 5);
        if (selector != this.createPair.selector)
            list.add(address(this), DexStorageLib.FACTORY_SHARD_ADMIN_SLOT, AccessList.READ);
        list.add(address(this), DexStorageLib.factoryGetPairSlot(token0, token1), created ? 1 : 3);
        if (!created) list.add(address(this), DexStorageLib.factoryGetPairSlot(token1, token0), AccessList.READ_WRITE);
        uint256 length = allPairs.length;
        list.add(address(this), DexStorageLib.FACTORY_ALL_PAIRS_SLOT, AccessList.READ_WRITE);
        uint256 first;
        if (created) {
            address shard0 = getPair[token0][token1];
            if (shard0 == address(0)) revert PairNotFound();
            (, first, ) = DisjointPair(shard0).shardInfo();
            list.add(shard0, DexStorageLib.PAIR_SHARD_INFO_SLOT, AccessList.READ_WRITE);
        }
        // New shards land at allPairs[length + k]; a transaction earlier in the block could
        // only make this call revert (PairExists / InvalidShardCount), never move the slots.
        for (uint256 i = first; i < count; ++i) {
            address shard = PairAddress.compute(address(this), PAIR_INIT_CODE_HASH, token0, token1, i);
            list.add(shard, AccessList.ANY_SLOT, AccessList.READ_WRITE);
            list.add(address(this), DexStorageLib.factoryAllPairsSlot(length + i - first), AccessList.READ_WRITE);
        }
        return list.finish();
    }

    /// @notice For the router's `declareAccess` (a view, called off-chain): the slot of `token`'s
    /// balance of `account` (`spender` zero) or of its allowance from `account` to `spender`;
    /// ANY_SLOT when `tokenLayouts` does not know the token.
    /// @param token The token.
    /// @param account The holder (the owner, for an allowance).
    /// @param spender The spender, or zero for the balance.
    /// @return The storage slot in the token.
    function tokenSlot(address token, address account, address spender) external view returns (bytes32) {
        TokenSlots.Layout memory t = TokenSlots.load(tokenLayouts, token);
        return spender == address(0) ? t.balance(account) : t.allowance(account, spender);
    }

    /// @notice For the pairs' `declareAccess` (a view, called off-chain): the token slots a call
    /// of `pair` touches. For each token, the pair's balance (read), and, when the pair pays that
    /// token out, the pair's and `to`'s balances (written). Exact for tokens whose layout
    /// `tokenLayouts` knows, the token's whole account otherwise. Kept here, not in the pair, so
    /// that the pair's bytecode (and the gas of its swaps) stays as it was.
    /// @param pair The pool.
    /// @param token0 Its token0.
    /// @param token1 Its token1.
    /// @param pays Bit 0: token0 is paid out to `to`; bit 1: token1 is.
    /// @param to The recipient of what is paid out.
    /// @return accesses The token entries.
    function pairTokenAccess(
        address pair,
        address token0,
        address token1,
        uint256 pays,
        address to
    ) external view returns (Access[] memory accesses) {
        AccessList.Builder memory list = AccessList.create(4);
        _addPayment(list, TokenSlots.load(tokenLayouts, token0), pair, pays & 1 != 0, to);
        _addPayment(list, TokenSlots.load(tokenLayouts, token1), pair, pays & 2 != 0, to);
        return list.finish();
    }

    function _addPayment(
        AccessList.Builder memory list,
        TokenSlots.Layout memory t,
        address pair,
        bool pays,
        address to
    ) private pure {
        if (!pays) {
            list.add(t.token, t.balance(pair), AccessList.READ);
            return;
        }
        list.add(t.token, t.balance(pair), AccessList.READ_WRITE);
        list.add(t.token, t.balance(to), AccessList.READ_WRITE);
    }

    /// @dev The arguments of a pool-creating call: `created` when the pair already exists (addShards).
    function _parseCreation(
        bytes4 selector,
        bytes calldata data
    ) private pure returns (address tokenA, address tokenB, uint256 count, bool created) {
        if (selector == this.createPair.selector) {
            (tokenA, tokenB) = abi.decode(data[4:], (address, address));
            count = 1;
        } else if (selector == this.createShardedPair.selector) {
            (tokenA, tokenB, count) = abi.decode(data[4:], (address, address, uint256));
        } else if (selector == this.addShards.selector) {
            (tokenA, tokenB, count) = abi.decode(data[4:], (address, address, uint256));
            created = true;
        } else {
            revert UnknownSelector(selector);
        }
    }

    function _newPair(address tokenA, address tokenB) private view returns (address token0, address token1) {
        if (tokenA == tokenB) revert IdenticalAddresses();
        (token0, token1) = PairAddress.sortTokens(tokenA, tokenB);
        if (token0 == address(0)) revert ZeroAddress();
        if (getPair[token0][token1] != address(0)) revert PairExists();
    }

    function _deploy(address token0, address token1, uint256 index) private returns (address pair) {
        bytes32 s0 = PARAM_TOKEN0;
        bytes32 s1 = PARAM_TOKEN1;
        bytes32 si = PARAM_INDEX;
        assembly ("memory-safe") {
            tstore(s0, token0)
            tstore(s1, token1)
            tstore(si, index)
        }
        pair = address(new DisjointPair{salt: PairAddress.salt(token0, token1, index)}());
        allPairs.push(pair);
        if (index == 0) {
            getPair[token0][token1] = pair;
            getPair[token1][token0] = pair;
            emit PairCreated(token0, token1, pair, allPairs.length);
        }
        emit ShardCreated(token0, token1, pair, index);
    }
}
