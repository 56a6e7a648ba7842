// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PairAddress
/// @notice Token ordering and CREATE2 addresses of the factory's pools, without storage reads.
library PairAddress {
    /// @notice The token pair sorted by address.
    function sortTokens(address tokenA, address tokenB) internal pure returns (address token0, address token1) {
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    /// @notice The CREATE2 salt of shard `index` of (token0, token1).
    function salt(address token0, address token1, uint256 index) internal pure returns (bytes32) {
        return keccak256(abi.encode(token0, token1, index));
    }

    /// @notice The address of shard `index` of (token0, token1), created or not.
    function compute(
        address factory,
        bytes32 initCodeHash,
        address token0,
        address token1,
        uint256 index
    ) internal pure returns (address) {
        return
            address(
                uint160(
                    uint256(keccak256(abi.encodePacked(hex"ff", factory, salt(token0, token1, index), initCodeHash)))
                )
            );
    }
}
