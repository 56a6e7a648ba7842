// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisjointRouter
/// @notice Uniswap V2 Router02's token functions (liquidity, exact-in/exact-out multi-hop
/// swaps, quotes with V2's 0.30% fee math) over the shards of each token pair of a
/// DisjointFactory, plus explicit shard-aware entry points. The shard rule is documented on
/// DisjointRouter and in docs/dex.md.
interface IDisjointRouter {
    /// @notice The deadline has passed.
    error Expired();
    /// @notice The path has fewer than two tokens, or the shard list does not match it.
    error InvalidPath();
    /// @notice The pool at this address does not exist.
    error PairNotFound(address pool);
    /// @notice The final output is below the minimum asked for.
    error InsufficientOutputAmount();
    /// @notice The input needed is above the maximum allowed.
    error ExcessiveInputAmount();
    /// @notice Token A's amount is below its minimum.
    error InsufficientAAmount();
    /// @notice Token B's amount is below its minimum.
    error InsufficientBAmount();
    /// @notice No shard of the pair has liquidity.
    error InsufficientLiquidity();
    /// @notice A quote input was zero.
    error InsufficientAmount();
    /// @notice `declareAccess` was asked about a selector this contract does not declare.
    error UnknownSelector(bytes4 selector);

    /// @notice The factory whose pools this router uses.
    function factory() external view returns (address);

    /// @notice The largest trade a shard is deemed to carry, in basis points of its reserve.
    function maxTradeBps() external view returns (uint256);

    /// @notice V2's addLiquidity: deposits at the current ratio of `to`'s home shard (created
    /// with the pair if the pair does not exist) and mints its LP tokens to `to`.
    /// @param tokenA One token.
    /// @param tokenB The other token.
    /// @param amountADesired Most of token A to deposit.
    /// @param amountBDesired Most of token B to deposit.
    /// @param amountAMin Least of token A to deposit.
    /// @param amountBMin Least of token B to deposit.
    /// @param to Recipient of the LP tokens (its address picks the shard).
    /// @param deadline Last valid timestamp.
    /// @return amountA Token A deposited.
    /// @return amountB Token B deposited.
    /// @return liquidity LP tokens minted.
    function addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountA, uint256 amountB, uint256 liquidity);

    /// @notice addLiquidity into an explicit, existing shard.
    /// @param tokenA One token.
    /// @param tokenB The other token.
    /// @param shard The shard index.
    /// @param amountADesired Most of token A to deposit.
    /// @param amountBDesired Most of token B to deposit.
    /// @param amountAMin Least of token A to deposit.
    /// @param amountBMin Least of token B to deposit.
    /// @param to Recipient of the LP tokens.
    /// @param deadline Last valid timestamp.
    /// @return amountA Token A deposited.
    /// @return amountB Token B deposited.
    /// @return liquidity LP tokens minted.
    function addLiquidityToShard(
        address tokenA,
        address tokenB,
        uint256 shard,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountA, uint256 amountB, uint256 liquidity);

    /// @notice V2's removeLiquidity, from the caller's home shard.
    /// @param tokenA One token.
    /// @param tokenB The other token.
    /// @param liquidity LP tokens to burn (the router needs their allowance).
    /// @param amountAMin Least of token A to receive.
    /// @param amountBMin Least of token B to receive.
    /// @param to Recipient of the tokens.
    /// @param deadline Last valid timestamp.
    /// @return amountA Token A received.
    /// @return amountB Token B received.
    function removeLiquidity(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountA, uint256 amountB);

    /// @notice V2's removeLiquidityWithPermit: removeLiquidity from the caller's home shard,
    /// with the LP allowance given by an EIP-2612 signature instead of an approval.
    /// @param tokenA One token.
    /// @param tokenB The other token.
    /// @param liquidity LP tokens to burn.
    /// @param amountAMin Least of token A to receive.
    /// @param amountBMin Least of token B to receive.
    /// @param to Recipient of the tokens.
    /// @param deadline Last valid timestamp (of the removal and of the permit).
    /// @param approveMax Whether the signature approves type(uint256).max instead of `liquidity`.
    /// @param v Signature v.
    /// @param r Signature r.
    /// @param s Signature s.
    /// @return amountA Token A received.
    /// @return amountB Token B received.
    function removeLiquidityWithPermit(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline,
        bool approveMax,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 amountA, uint256 amountB);

    /// @notice removeLiquidity from an explicit shard.
    /// @param tokenA One token.
    /// @param tokenB The other token.
    /// @param shard The shard index.
    /// @param liquidity LP tokens to burn (the router needs their allowance).
    /// @param amountAMin Least of token A to receive.
    /// @param amountBMin Least of token B to receive.
    /// @param to Recipient of the tokens.
    /// @param deadline Last valid timestamp.
    /// @return amountA Token A received.
    /// @return amountB Token B received.
    function removeLiquidityFromShard(
        address tokenA,
        address tokenB,
        uint256 shard,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountA, uint256 amountB);

    /// @notice V2's swapExactTokensForTokens, each hop on the shard the shard rule picks.
    /// @param amountIn Exact input of path[0].
    /// @param amountOutMin Least output of the last token.
    /// @param path Token path, at least two tokens.
    /// @param to Recipient of the output.
    /// @param deadline Last valid timestamp.
    /// @return amounts Input, then every hop's output.
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts);

    /// @notice V2's swapTokensForExactTokens, each hop on the shard the shard rule picks.
    /// @param amountOut Exact output of the last token.
    /// @param amountInMax Most input of path[0].
    /// @param path Token path, at least two tokens.
    /// @param to Recipient of the output.
    /// @param deadline Last valid timestamp.
    /// @return amounts Input, then every hop's output.
    function swapTokensForExactTokens(
        uint256 amountOut,
        uint256 amountInMax,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts);

    /// @notice V2's swapExactTokensForTokensSupportingFeeOnTransferTokens: the shard rule picks
    /// each hop's pool from the nominal amounts, then every hop swaps what its pool actually
    /// received, and the slippage limit is checked on what `to` actually received.
    /// @param amountIn Exact input of path[0] sent by the caller.
    /// @param amountOutMin Least increase of `to`'s balance of the last token.
    /// @param path Token path, at least two tokens.
    /// @param to Recipient of the output.
    /// @param deadline Last valid timestamp.
    function swapExactTokensForTokensSupportingFeeOnTransferTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external;

    /// @notice swapExactTokensForTokens on explicit shards: hop i uses shard `shards[i]`.
    /// @param amountIn Exact input of path[0].
    /// @param amountOutMin Least output of the last token.
    /// @param path Token path, at least two tokens.
    /// @param shards Shard index per hop (path.length - 1 entries).
    /// @param to Recipient of the output.
    /// @param deadline Last valid timestamp.
    /// @return amounts Input, then every hop's output.
    function swapExactTokensForTokensOnShards(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        uint256[] calldata shards,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts);

    /// @notice swapTokensForExactTokens on explicit shards: hop i uses shard `shards[i]`.
    /// @param amountOut Exact output of the last token.
    /// @param amountInMax Most input of path[0].
    /// @param path Token path, at least two tokens.
    /// @param shards Shard index per hop (path.length - 1 entries).
    /// @param to Recipient of the output.
    /// @param deadline Last valid timestamp.
    /// @return amounts Input, then every hop's output.
    function swapTokensForExactTokensOnShards(
        uint256 amountOut,
        uint256 amountInMax,
        address[] calldata path,
        uint256[] calldata shards,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts);

    /// @notice Submits an order of the caller into a DisjointBatchPool's batch of this block:
    /// the pool takes the input from the caller (its allowance to the pool, not to the router),
    /// the order is the caller's, and the pool's `claim` pays the caller. The caller first
    /// allows this router on the pool (`setOperator(router, true)`). No token passes through
    /// the router, so orders through it share no slot the pool's own `submit` would not.
    /// @param pool The DisjointBatchPool.
    /// @param batch The current block number (the pool reverts in any other block).
    /// @param zeroForOne True to sell the pool's token0 for token1, false the reverse.
    /// @param amountIn Input.
    /// @param minOut Limit: the least output accepted; otherwise the pool refunds the order.
    /// @param deadline Last valid timestamp.
    function submitBatchOrder(
        address pool,
        uint256 batch,
        bool zeroForOne,
        uint256 amountIn,
        uint256 minOut,
        uint256 deadline
    ) external;

    /// @notice V2's quote: `amountA` of A at the reserves' ratio, rounded down.
    /// @param amountA Amount of A.
    /// @param reserveA Reserve of A.
    /// @param reserveB Reserve of B.
    /// @return amountB Equivalent amount of B.
    function quote(uint256 amountA, uint256 reserveA, uint256 reserveB) external pure returns (uint256 amountB);

    /// @notice V2's getAmountOut (SwapMath).
    /// @param amountIn Input.
    /// @param reserveIn Input reserve.
    /// @param reserveOut Output reserve.
    /// @return Output, rounded down.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) external pure returns (uint256);

    /// @notice V2's getAmountIn (SwapMath).
    /// @param amountOut Output.
    /// @param reserveIn Input reserve.
    /// @param reserveOut Output reserve.
    /// @return Input, rounded up.
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) external pure returns (uint256);

    /// @notice V2's getAmountsOut, on the shards the shard rule picks now.
    /// @param amountIn Input of path[0].
    /// @param path Token path.
    /// @return amounts Input, then every hop's output.
    function getAmountsOut(uint256 amountIn, address[] calldata path) external view returns (uint256[] memory amounts);

    /// @notice V2's getAmountsIn, on the shards the shard rule picks now.
    /// @param amountOut Output of the last token.
    /// @param path Token path.
    /// @return amounts Input, then every hop's output.
    function getAmountsIn(uint256 amountOut, address[] calldata path) external view returns (uint256[] memory amounts);

    /// @notice Exact-in route: each hop's output and the pool the shard rule picks for it.
    /// @param amountIn Input of path[0].
    /// @param path Token path.
    /// @return amounts Input, then every hop's output.
    /// @return pools The pool of every hop.
    function routeExactIn(
        uint256 amountIn,
        address[] calldata path
    ) external view returns (uint256[] memory amounts, address[] memory pools);

    /// @notice Exact-out route: each hop's amounts and the pool the shard rule picks for it.
    /// @param amountOut Output of the last token.
    /// @param path Token path.
    /// @return amounts Input, then every hop's output.
    /// @return pools The pool of every hop.
    function routeExactOut(
        uint256 amountOut,
        address[] calldata path
    ) external view returns (uint256[] memory amounts, address[] memory pools);

    /// @notice The shard `owner`'s liquidity goes to through addLiquidity/removeLiquidity.
    /// @param tokenA One token.
    /// @param tokenB The other token.
    /// @param owner The LP owner.
    /// @return index Shard index.
    /// @return pool Shard address.
    function homeShard(
        address tokenA,
        address tokenB,
        address owner
    ) external view returns (uint256 index, address pool);
}
