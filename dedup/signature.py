"""MinHash signatures, computed in bulk with numpy, identical to datasketch's.

A signature records how it was made (scheme, seed, permutations): signatures made
differently cannot be compared, and datasketch 2.0 changed its default scheme, so the
parameters are stored beside every signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from datasketch import LeanMinHash, MinHash

DEFAULT_NUM_PERM = 128
DEFAULT_SEED = 1
DEFAULT_SCHEME = "affine32"  # datasketch 2.x default; bijective 32-bit permutations

# MurmurHash3 32-bit finalizer, as datasketch applies it before the permutations.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_EMPTY = np.uint32(0xFFFFFFFF)


class SignatureError(ValueError):
    """Signatures that cannot be made or compared; the message says why and what to do."""


@dataclass(frozen=True)
class SignatureParams:
    num_perm: int = DEFAULT_NUM_PERM
    seed: int = DEFAULT_SEED
    scheme: str = DEFAULT_SCHEME

    def __post_init__(self) -> None:
        if self.scheme != "affine32":
            raise SignatureError(f"only the 'affine32' scheme is supported, got {self.scheme!r}")
        if not 16 <= self.num_perm <= 1024:
            raise SignatureError(f"num_perm must be between 16 and 1024, got {self.num_perm}")


@dataclass(frozen=True, eq=False, slots=True)
class Signature:
    """A MinHash of one text's shingles, with the size of the shingle set."""

    values: npt.NDArray[np.uint32]
    size: int
    params: SignatureParams

    def jaccard(self, other: Signature) -> float:
        self._check(other)
        return float(np.count_nonzero(self.values == other.values)) / len(self.values)

    def containment_in(self, other: Signature) -> float:
        """Estimated share of this text's shingles that also occur in `other`."""
        if self.size == 0:
            return 0.0
        j = self.jaccard(other)
        intersection = j * (self.size + other.size) / (1.0 + j)
        return min(1.0, intersection / self.size)

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, size: int, params: SignatureParams) -> Signature:
        values = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        if len(values) != params.num_perm:
            raise SignatureError(
                f"stored signature has {len(values)} values, expected {params.num_perm}"
            )
        return cls(values, size, params)

    def lean(self) -> LeanMinHash:
        """The datasketch form, for MinHashLSH."""
        return LeanMinHash(seed=self.params.seed, hashvalues=self.values, scheme=self.params.scheme)

    def _check(self, other: Signature) -> None:
        if self.params != other.params:
            raise SignatureError(
                f"signatures made with different parameters ({self.params} vs {other.params}) "
                "cannot be compared; re-sign the older texts"
            )


DEFAULT_PARAMS = SignatureParams()


@cache
def _permutations(params: SignatureParams) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    a, b = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _fmix32(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    s1, m1, s2, m2 = _FMIX32
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s1)


def sign(hashes: npt.NDArray[np.uint32], params: SignatureParams = DEFAULT_PARAMS) -> Signature:
    """MinHash of a set of 32-bit shingle hashes, as datasketch would compute it with
    an identity hash function (`MinHash(scheme="affine32").update_batch(hashes)`)."""
    a, b = _permutations(params)
    if len(hashes) == 0:
        return Signature(np.full(params.num_perm, _EMPTY, dtype=np.uint32), 0, params)
    mixed = _fmix32(hashes.astype(np.uint32, copy=False))
    # uint32 array arithmetic wraps around, which is the intended modulo 2^32; one row
    # per permutation, so that the minimum runs along contiguous memory
    permuted = np.multiply.outer(a, mixed)
    np.add(permuted, b[:, np.newaxis], out=permuted)
    return Signature(permuted.min(axis=1), len(hashes), params)
