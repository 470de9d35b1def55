"""Candidate search: which stored signatures might be near-duplicates of a new one.

One small interface, `CandidateIndex`, so that the in-memory MinHash LSH index can be
replaced by one on Redis (datasketch's storage_config) without touching callers.
"""

from __future__ import annotations

import functools
import zlib
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from datasketch import MinHashLSH

from dedup.signature import DEFAULT_PARAMS, Signature, SignatureError, SignatureParams

# Jaccard similarity at which LSH reports a pair. Kept low because a copy truncated to
# 40% of the original, with light edits, has a Jaccard of only about 0.3, and a partial
# copy 0.05-0.2; verification (dedup.cluster) decides, LSH only proposes. On the
# evaluation set (tests/dedup_eval.py) 0.15 found 19% of the partial copies, 0.08 found
# 56% with clusters unchanged; at 128 permutations datasketch then uses 19 bands of one
# value each, which also keeps the index small.
DEFAULT_LSH_THRESHOLD = 0.08
# Articles a BandIndex collects before merging them into its arrays, at least: below a
# few hundred the merges' fixed costs show (benchmarks/dedup_speed.py).
MERGE_AT_LEAST = 512


class CandidateIndex(Protocol):
    def insert(self, key: str, signature: Signature) -> None: ...

    def query(self, signature: Signature) -> list[str]: ...

    def remove(self, key: str) -> None: ...

    def __contains__(self, key: object) -> bool: ...

    def __len__(self) -> int: ...


class LSHIndex:
    """datasketch MinHashLSH behind the CandidateIndex interface.

    storage_config is datasketch's: {"type": "dict"} (default, in memory) or
    {"type": "redis", "redis": {"host": ..., "port": ...}, "basename": b"..."}.
    """

    def __init__(
        self,
        params: SignatureParams = DEFAULT_PARAMS,
        threshold: float = DEFAULT_LSH_THRESHOLD,
        storage_config: dict[str, Any] | None = None,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"LSH threshold must be between 0 and 1, got {threshold}")
        self.params = params
        self._lsh = MinHashLSH(
            threshold=threshold, num_perm=params.num_perm, storage_config=storage_config
        )
        self._keys: set[str] = set()

    def insert(self, key: str, signature: Signature) -> None:
        self._check(signature)
        if key in self._keys:
            self._lsh.remove(key)
        self._lsh.insert(key, signature.lean(), check_duplication=False)
        self._keys.add(key)

    def query(self, signature: Signature) -> list[str]:
        self._check(signature)
        return sorted(self._lsh.query(signature.lean()))

    def remove(self, key: str) -> None:
        if key in self._keys:
            self._lsh.remove(key)
            self._keys.discard(key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def _check(self, signature: Signature) -> None:
        require_params(self.params, signature)


def require_params(params: SignatureParams, signature: Signature) -> None:
    """An index holds signatures made one way only."""
    # nearly every signature shares its parameters' object: no field-by-field compare
    if signature.params is not params and signature.params != params:
        raise SignatureError(
            f"index holds {params} signatures, got {signature.params}; "
            "re-sign the text with the index's parameters"
        )


def lsh_bands(params: SignatureParams, threshold: float) -> tuple[int, int]:
    """The bands and rows datasketch's MinHashLSH picks for a threshold (equal weights
    of false positives and negatives)."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"LSH threshold must be between 0 and 1, got {threshold}")
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, params.num_perm, 0.5, 0.5)
    return int(bands), int(rows)


def band_buckets(signature: Signature, bands: int, rows: int) -> npt.NDArray[np.uint64]:
    """One 64-bit bucket per band: the band's number above its value (one row), or
    above a CRC of its rows (the same in every process, so that workers can share
    buckets)."""
    values = signature.values[: bands * rows].reshape(bands, rows)
    numbers = _band_numbers(bands)
    if rows == 1:
        return numbers | values[:, 0]
    return numbers | np.array([zlib.crc32(row.tobytes()) for row in values], np.uint64)


@functools.cache
def _band_numbers(bands: int) -> npt.NDArray[np.uint64]:
    """Each band's number in the high half of its buckets (made once: this is on the
    path of every query and insert)."""
    return np.arange(bands, dtype=np.uint64) << np.uint64(32)


class BandIndex:
    """A compact in-memory LSH index with datasketch's banding (same bands and rows as
    MinHashLSH picks for the threshold, so the same candidates).

    Each band bucket of each article is one entry of a sorted array (the band's number
    and its value in 8 bytes, the article's number in 4): 12 bytes an entry, 19 entries
    an article at the default threshold, instead of a Python int and a dict slot each
    (some 1.3 KB an article, the largest part of a crawl's story state: soak,
    benchmarks/README.md). New entries wait in a small dict and are merged into the
    arrays in batches, each merge a linear pass; a removed article's entries stay in
    the arrays and are skipped.
    """

    def __init__(
        self,
        params: SignatureParams = DEFAULT_PARAMS,
        threshold: float = DEFAULT_LSH_THRESHOLD,
        merge_at: int = MERGE_AT_LEAST,
    ) -> None:
        if merge_at < 1:
            raise ValueError(f"merge_at must be at least 1, got {merge_at}")
        self.params = params
        self.merge_at = merge_at
        self.bands, self.rows = lsh_bands(params, threshold)
        self._ids: dict[str, int] = {}
        self._keys: list[str | None] = []
        self._bucket_keys = np.empty(0, dtype=np.uint64)  # sorted
        self._bucket_ids = np.empty(0, dtype=np.uint32)  # article numbers, aligned
        self._pending: dict[int, list[int]] = {}
        self._pending_articles = 0

    def _buckets(self, signature: Signature) -> npt.NDArray[np.uint64]:
        return band_buckets(signature, self.bands, self.rows)

    def insert(self, key: str, signature: Signature) -> None:
        self._check(signature)
        if key in self._ids:
            self.remove(key)
        ident = len(self._keys)
        self._keys.append(key)
        self._ids[key] = ident
        for bucket in self._buckets(signature).tolist():
            self._pending.setdefault(bucket, []).append(ident)
        self._pending_articles += 1
        # a merge costs a pass over the arrays: merging after a sixteenth of them has
        # arrived keeps that at a constant cost per article, and the dict small
        if self._pending_articles >= max(self.merge_at, len(self._keys) // 16):
            self._merge()

    def _merge(self) -> None:
        buckets = np.fromiter((b for b, ids in self._pending.items() for _ in ids), np.uint64)
        ids = np.fromiter((i for idents in self._pending.values() for i in idents), np.uint32)
        order = np.argsort(buckets, kind="stable")
        buckets, ids = buckets[order], ids[order]
        at = np.searchsorted(self._bucket_keys, buckets, side="right")
        self._bucket_keys = np.insert(self._bucket_keys, at, buckets)
        self._bucket_ids = np.insert(self._bucket_ids, at, ids)
        self._pending.clear()
        self._pending_articles = 0

    def query(self, signature: Signature) -> list[str]:
        self._check(signature)
        buckets = self._buckets(signature)
        keys = self._bucket_keys
        starts = np.searchsorted(keys, buckets, side="left")
        found: set[int] = set()
        last = max(len(keys) - 1, 0)
        hits = np.flatnonzero(keys[np.minimum(starts, last)] == buckets) if len(keys) else ()
        for band in hits:  # most bands find nothing: one binary search each
            start = int(starts[band])
            end = int(np.searchsorted(keys, buckets[band], side="right"))
            found.update(self._bucket_ids[start:end].tolist())
        if self._pending:
            for bucket in buckets.tolist():
                found.update(self._pending.get(bucket, ()))
        return sorted(key for ident in found if (key := self._keys[ident]) is not None)

    def remove(self, key: str) -> None:
        ident = self._ids.pop(key, None)
        if ident is not None:
            self._keys[ident] = None

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def _check(self, signature: Signature) -> None:
        require_params(self.params, signature)
