// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {AccountShard} from "../../contracts/libraries/AccountShard.sol";

contract AccountShardCaller {
    function shardOf(address account, uint256 shards) external pure returns (uint256) {
        return AccountShard.shardOf(account, shards);
    }
}

/// @notice AccountShard: in range, the address modulo the count, one shard for K = 1, and a
/// zero count rejected.
contract AccountShardTest is TestBase {
    function testFuzz_inRangeAndModulo(address account, uint256 shards) public pure {
        shards = bound(shards, 1, 1024);
        uint256 k = AccountShard.shardOf(account, shards);
        assertLe(k, shards - 1, "shard below the count");
        assertEq(k, uint256(uint160(account)) % shards, "address modulo the count");
        assertEq(AccountShard.shardOf(account, 1), 0, "one shard");
    }

    /// Consecutive addresses fill consecutive shards: each of K shards gets exactly one of K.
    function testFuzz_consecutiveAddressesSpreadEvenly(uint160 start, uint256 shards) public pure {
        shards = bound(shards, 1, 64);
        start = uint160(bound(start, 0, type(uint160).max - 64));
        uint256 seen;
        for (uint256 i = 0; i < shards; ++i) seen |= 1 << AccountShard.shardOf(address(start + uint160(i)), shards);
        assertEq(seen, (1 << shards) - 1, "every shard once");
    }

    function test_zeroShardsReverts() public {
        AccountShardCaller c = new AccountShardCaller();
        vm.expectRevert();
        c.shardOf(address(1), 0);
    }
}
