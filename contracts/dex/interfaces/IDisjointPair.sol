// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisjointPair
/// @notice A constant-product pool with Uniswap V2's pair interface; the pool is its own
/// ERC-20 LP token with EIP-2612 permit.
interface IDisjointPair {
    /// @notice Liquidity was added.
    event Mint(address indexed sender, uint256 amount0, uint256 amount1);
    /// @notice Liquidity was removed and its tokens sent to `to`.
    event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to);
    /// @notice A swap ran.
    event Swap(
        address indexed sender,
        uint256 amount0In,
        uint256 amount1In,
        uint256 amount0Out,
        uint256 amount1Out,
        address indexed to
    );
    /// @notice The reserves were set to these values.
    event Sync(uint112 reserve0, uint112 reserve1);

    /// @notice Liquidity that is minted to no one on the first deposit and locked forever.
    function MINIMUM_LIQUIDITY() external pure returns (uint256);
    /// @notice The factory that deployed this pair.
    function factory() external view returns (address);
    /// @notice The lower-addressed token.
    function token0() external view returns (address);
    /// @notice The higher-addressed token.
    function token1() external view returns (address);
    /// @notice This pair's shard index among the shards of its token pair (0 for `getPair`).
    function shardIndex() external view returns (uint256);
    /// @notice Reserves and the last block timestamp (mod 2**32) at which they changed.
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    /// @notice Time-weighted sum of reserve1/reserve0 as UQ112x112, wrapping on overflow.
    function price0CumulativeLast() external view returns (uint256);
    /// @notice Time-weighted sum of reserve0/reserve1 as UQ112x112, wrapping on overflow.
    function price1CumulativeLast() external view returns (uint256);

    /// @notice Mints LP tokens to `to` for the tokens sent to the pair since the last update.
    function mint(address to) external returns (uint256 liquidity);
    /// @notice Burns the LP tokens held by the pair and sends the underlying tokens to `to`.
    function burn(address to) external returns (uint256 amount0, uint256 amount1);
    /// @notice Sends the outputs to `to`, calls it back if `data` is not empty, then checks
    /// that the inputs paid the 0.30% fee-adjusted constant product.
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
    /// @notice Sends the balances above the reserves to `to`.
    function skim(address to) external;
    /// @notice Sets the reserves to the balances.
    function sync() external;
}
