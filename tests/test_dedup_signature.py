"""Shingling and MinHash signatures: identical to datasketch, robust to noise."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from dedup.signature import Signature, SignatureError, SignatureParams, sign
from dedup.text import is_cjk, normalize, shingle_hashes
from newsroom.stories import build_catalogue

STORY = "\n".join(
    build_catalogue()
    .find("koreaherald", "evidence-points-to-north-korea-troop-deployment")
    .paragraphs
)  # type: ignore[union-attr]


@pytest.mark.parametrize("num_perm", [64, 128, 256])
def test_bulk_signature_equals_datasketch(num_perm: int) -> None:
    hashes = shingle_hashes(STORY)
    ours = sign(hashes, SignatureParams(num_perm=num_perm))
    theirs = MinHash(num_perm=num_perm, seed=1, scheme="affine32", hashfunc=lambda x: x)
    theirs.update_batch([int(h) for h in hashes])
    assert np.array_equal(ours.values, theirs.hashvalues)
    assert ours.size == len(hashes)


def test_normalisation() -> None:
    assert normalize("  “Hello” — WORLD’s\u00a0end ") == '"hello" - world\'s end'
    assert normalize("ﬁne Ｆｕｌｌ") == "fine full"


def test_shingles_ignore_case_quotes_and_spacing() -> None:
    plain = STORY.replace("’", "'").replace("“", '"').replace("”", '"')
    noisy = "  ".join(plain.upper().split())
    assert np.array_equal(shingle_hashes(STORY), shingle_hashes(noisy))


def test_cjk_text_uses_character_shingles() -> None:
    korean = "전국 주요 산의 단풍이 절정을 맞으면서 주말 동안 많은 등산객이 몰렸다."
    assert is_cjk(korean) and not is_cjk(STORY)
    spaced = korean.replace(" ", "")  # Korean spacing varies between copies
    assert np.array_equal(shingle_hashes(korean), shingle_hashes(spaced))


def test_estimates_track_the_truth() -> None:
    words = STORY.split()
    half = " ".join(words[: len(words) // 2])
    full, first_half = sign(shingle_hashes(STORY)), sign(shingle_hashes(half))
    assert first_half.containment_in(full) > 0.9
    assert 0.35 < first_half.jaccard(full) < 0.65
    other = sign(shingle_hashes(" ".join(reversed(words))))
    assert full.jaccard(other) < 0.05


def test_round_trip_and_parameter_checks() -> None:
    signature = sign(shingle_hashes(STORY))
    again = Signature.from_bytes(signature.to_bytes(), signature.size, signature.params)
    assert np.array_equal(again.values, signature.values)
    other = sign(shingle_hashes(STORY), SignatureParams(seed=7))
    with pytest.raises(SignatureError, match="different parameters"):
        signature.jaccard(other)
    with pytest.raises(SignatureError, match="only the 'affine32' scheme"):
        SignatureParams(scheme="legacy")
    assert sign(shingle_hashes("")).size == 0


@pytest.mark.parametrize("merge_at", [1, 3, 512])  # merged at once, in batches, never
def test_band_index_finds_what_minhash_lsh_finds(merge_at: int) -> None:
    from dedup.index import BandIndex, LSHIndex

    words = STORY.split()
    texts = {f"t{i}": " ".join(words[i * 7 :] + words[: i * 7]) for i in range(12)}
    texts["half"] = " ".join(words[: len(words) // 2])
    texts["other"] = " ".join(reversed(words))
    rng = np.random.default_rng(7)  # unrelated texts, which collide in a band now and then
    texts |= {f"r{i}": " ".join(rng.choice(words, 60)) for i in range(150)}
    signatures = {key: sign(shingle_hashes(text)) for key, text in texts.items()}
    band, lsh = BandIndex(merge_at=merge_at), LSHIndex()
    assert (band.bands, band.rows) == (lsh._lsh.b, lsh._lsh.r)
    for key, signature in signatures.items():
        assert band.query(signature) == lsh.query(signature)
        band.insert(key, signature)
        lsh.insert(key, signature)
    band.remove("half")
    lsh.remove("half")
    for signature in signatures.values():
        assert band.query(signature) == lsh.query(signature)
    assert len(band) == len(lsh) == len(signatures) - 1 and "half" not in band


def test_lsh_index_on_redis() -> None:
    """The CandidateIndex on datasketch's Redis storage, when WIREWATCH_TEST_REDIS is set."""
    import os
    import uuid
    from urllib.parse import urlsplit

    from dedup.index import LSHIndex

    url = os.environ.get("WIREWATCH_TEST_REDIS")
    if not url:
        pytest.skip("set WIREWATCH_TEST_REDIS (redis://host:port/db) to run the Redis tests")
    pytest.importorskip("redis")
    parts = urlsplit(url)
    config = {"type": "redis", "basename": f"wirewatch-test-{uuid.uuid4().hex}".encode(),
              "redis": {"host": parts.hostname, "port": parts.port or 6379,
                        "db": int(parts.path.strip("/") or 0)}}  # fmt: skip
    index = LSHIndex(storage_config=config)
    words = STORY.split()
    story, half = sign(shingle_hashes(STORY)), sign(shingle_hashes(" ".join(words[:200])))
    index.insert("story", story)
    assert index.query(half) == ["story"]
    index.remove("story")
    assert index.query(half) == []
    import redis

    client = redis.Redis(host=parts.hostname, port=parts.port or 6379)
    for key in client.scan_iter(match=config["basename"] + b"*"):
        client.delete(key)
    client.close()
