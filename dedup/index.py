"""Candidate search: which stored signatures might be near-duplicates of a new one.

One small interface, `CandidateIndex`, so that the in-memory MinHash LSH index can be
replaced by one on Redis (datasketch's storage_config) without touching callers.
"""

from __future__ import annotations

from typing import Any, Protocol

from datasketch import MinHashLSH

from dedup.signature import DEFAULT_PARAMS, Signature, SignatureError, SignatureParams

# Jaccard similarity at which LSH reports a pair. Kept low because a copy truncated to
# 40% of the original, with light edits, has a Jaccard of only about 0.3, and a partial
# copy 0.05-0.2; verification (dedup.cluster) decides, LSH only proposes. On the
# evaluation set (tests/dedup_eval.py) 0.15 found 19% of the partial copies, 0.08 found
# 56% with clusters unchanged; at 128 permutations datasketch then uses 19 bands of one
# value each, which also keeps the index small.
DEFAULT_LSH_THRESHOLD = 0.08


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
        if signature.params != self.params:
            raise SignatureError(
                f"index holds {self.params} signatures, got {signature.params}; "
                "re-sign the text with the index's parameters"
            )


class BandIndex:
    """A compact in-memory LSH index with datasketch's banding (same bands and rows as
    MinHashLSH picks for the threshold), holding plain integers instead of bytes keys
    and Python sets: a band bucket is one int, or a list when values collide.

    Measured with benchmarks/dedup_speed.py (see benchmarks/README.md).
    """

    def __init__(
        self, params: SignatureParams = DEFAULT_PARAMS, threshold: float = DEFAULT_LSH_THRESHOLD
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"LSH threshold must be between 0 and 1, got {threshold}")
        from datasketch.lsh import _optimal_param

        self.params = params
        self.bands, self.rows = _optimal_param(threshold, params.num_perm, 0.5, 0.5)
        self._tables: list[dict[int, int | list[int]]] = [{} for _ in range(self.bands)]
        self._ids: dict[str, int] = {}
        self._keys: list[str | None] = []
        self._band_values: list[tuple[int, ...]] = []

    def _band_hashes(self, signature: Signature) -> tuple[int, ...]:
        values = signature.values[: self.bands * self.rows].reshape(self.bands, self.rows)
        if self.rows == 1:
            return tuple(values[:, 0].tolist())
        return tuple(hash(row.tobytes()) for row in values)

    def insert(self, key: str, signature: Signature) -> None:
        self._check(signature)
        if key in self._ids:
            self.remove(key)
        ident = len(self._keys)
        self._keys.append(key)
        self._ids[key] = ident
        hashes = self._band_hashes(signature)
        self._band_values.append(hashes)
        for table, value in zip(self._tables, hashes, strict=True):
            bucket = table.get(value)
            if bucket is None:
                table[value] = ident
            elif isinstance(bucket, list):
                bucket.append(ident)
            else:
                table[value] = [bucket, ident]

    def query(self, signature: Signature) -> list[str]:
        self._check(signature)
        found: set[int] = set()
        for table, value in zip(self._tables, self._band_hashes(signature), strict=True):
            bucket = table.get(value)
            if bucket is None:
                continue
            if isinstance(bucket, list):
                found.update(bucket)
            else:
                found.add(bucket)
        return sorted(key for ident in found if (key := self._keys[ident]) is not None)

    def remove(self, key: str) -> None:
        ident = self._ids.pop(key, None)
        if ident is None:
            return
        for table, value in zip(self._tables, self._band_values[ident], strict=True):
            bucket = table.get(value)
            if isinstance(bucket, list):
                bucket.remove(ident)
                if len(bucket) == 1:
                    table[value] = bucket[0]
            elif bucket == ident:
                del table[value]
        self._keys[ident] = None

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def _check(self, signature: Signature) -> None:
        if signature.params != self.params:
            raise SignatureError(
                f"index holds {self.params} signatures, got {signature.params}; "
                "re-sign the text with the index's parameters"
            )
