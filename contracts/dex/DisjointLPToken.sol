// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title DisjointLPToken
/// @notice The ERC-20 (with EIP-2612 permit) that every pair is for its own liquidity.
/// @dev Storage layout is fixed and relied upon by `declareAccess`: slot 0 totalSupply,
/// slot 1 balanceOf, slot 2 allowance, slot 3 nonces (named in `DexStorageLib`, PAIR_*). An
/// allowance of type(uint256).max is never decreased, so `transferFrom` under it does not write the allowance slot.
abstract contract DisjointLPToken {
    /// @notice The permit's deadline has passed.
    error PermitExpired();
    /// @notice The permit's signature is not the owner's.
    error InvalidSignature();
    /// @notice The sender's balance or allowance is too small.
    error InsufficientBalance();
    /// @notice The allowance is too small.
    error InsufficientAllowance();

    /// @notice ERC-20 Transfer.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 Approval.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice EIP-2612's permit type hash.
    bytes32 public constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant NAME_HASH = keccak256("Disjoint LP");
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @notice The token's name.
    // solhint-disable-next-line const-name-snakecase
    string public constant name = "Disjoint LP";
    /// @notice The token's symbol.
    // solhint-disable-next-line const-name-snakecase
    string public constant symbol = "DJ-LP";
    /// @notice The token's decimals.
    // solhint-disable-next-line const-name-snakecase
    uint8 public constant decimals = 18;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    /// @notice Total LP supply (slot 0).
    uint256 public totalSupply;
    /// @notice LP balances (slot 1).
    mapping(address account => uint256) public balanceOf;
    /// @notice LP allowances (slot 2).
    mapping(address owner => mapping(address spender => uint256)) public allowance;
    /// @notice EIP-2612 nonces (slot 3).
    mapping(address owner => uint256) public nonces;

    constructor() {
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _domainSeparator();
    }

    /// @notice The EIP-712 domain separator for this chain.
    /// @return The separator.
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _domainSeparator();
    }

    /// @notice Approves `spender` to move `value` of the caller's LP tokens.
    /// @param spender The spender.
    /// @param value The allowance.
    /// @return Always true.
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @notice Moves `value` LP tokens from the caller to `to`.
    /// @param to The recipient.
    /// @param value The amount.
    /// @return Always true.
    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @notice Moves `value` LP tokens from `from` to `to` under the caller's allowance.
    /// @param from The owner.
    /// @param to The recipient.
    /// @param value The amount.
    /// @return Always true.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance();
            unchecked {
                allowance[from][msg.sender] = allowed - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    /// @notice EIP-2612: sets `owner`'s allowance for `spender` from `owner`'s signature.
    /// @param owner The owner who signed.
    /// @param spender The spender.
    /// @param value The allowance.
    /// @param deadline Last valid timestamp.
    /// @param v Signature v.
    /// @param r Signature r.
    /// @param s Signature s.
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (block.timestamp > deadline) revert PermitExpired();
        bytes32 structHash;
        unchecked {
            structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonces[owner]++, deadline));
        }
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash));
        // Reject malleable signatures (upper-half s), as EIP-2 does for transactions.
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) revert InvalidSignature();
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0) || signer != owner) revert InvalidSignature();
        _approve(owner, spender, value);
    }

    function _approve(address owner, address spender, uint256 value) private {
        allowance[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    function _transfer(address from, address to, uint256 value) private {
        uint256 fromBalance = balanceOf[from];
        if (fromBalance < value) revert InsufficientBalance();
        unchecked {
            // Cannot overflow: the sum of all balances is totalSupply.
            balanceOf[from] = fromBalance - value;
            balanceOf[to] += value;
        }
        emit Transfer(from, to, value);
    }

    function _mint(address to, uint256 value) internal {
        totalSupply += value;
        unchecked {
            balanceOf[to] += value;
        }
        emit Transfer(address(0), to, value);
    }

    function _burn(address from, uint256 value) internal {
        // The caller burns at most the balance, so the subtractions cannot underflow.
        unchecked {
            balanceOf[from] -= value;
            totalSupply -= value;
        }
        emit Transfer(from, address(0), value);
    }

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
