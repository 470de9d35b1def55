"""Text normalisation and shingling: pure functions from story text to shingle hashes.

Word 5-shingles for space-separated languages; character shingles for Chinese,
Japanese, Korean and Thai, where words are not separated by spaces (or, in Korean,
spaces separate phrases that change form with their particles).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np
import numpy.typing as npt

# 5 words: long enough that two different stories rarely share a shingle by chance
# (common phrases are 2-4 words), short enough that a 5% word-edit rate still leaves
# (0.95)^5 = 77% of a copy's shingles intact.
WORD_SHINGLE = 5
# CJK and Thai: 4 characters, about one to two words of Chinese or Korean.
CHAR_SHINGLE = 4
# A text counts as CJK/Thai when at least this share of its letters are in those scripts.
CJK_SHARE = 0.3

_SINGLE_QUOTES = re.compile("[\u2018\u2019\u201a\u201b\u2032`]")
_DOUBLE_QUOTES = re.compile("[\u201c\u201d\u201e\u201f\u00ab\u00bb]")
_DASHES = re.compile("[\u2010-\u2015\u2212]")
# For hashing, every quote and dash is just a separator.
_SEPARATORS = re.compile(
    "[\u2018\u2019\u201a\u201b\u2032\u201c-\u201f\u00ab\u00bb\u2010-\u2015\u2212\u00a0\u2026]"
)
_CJK = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
# Bytes that belong to a word: ASCII letters and digits, and every byte of a non-ASCII
# UTF-8 sequence (letters of other scripts; quotes and dashes are ASCII after normalize).
_WORD_BYTE = np.zeros(256, dtype=bool)
for _range in (range(48, 58), range(65, 91), range(97, 123), range(128, 256)):
    _WORD_BYTE[list(_range)] = True
_MAX_TOKEN = 64  # bytes of a token that count towards its hash
_BYTE_WEIGHTS = (np.uint64(0x100000001B3) ** np.arange(_MAX_TOKEN, dtype=np.uint64)).astype(
    np.uint64
)
# Multipliers for combining token hashes into a shingle hash (odd 64-bit constants).
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)  # fmt: skip


def normalize(text: str) -> str:
    """NFKC, case folding, one form of quotes and dashes, single spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = _SINGLE_QUOTES.sub("'", text)
        text = _DOUBLE_QUOTES.sub('"', text)
        text = _DASHES.sub("-", text)
    return " ".join(text.casefold().split())


def fingerprint(normalized: str) -> str:
    """Exact-copy key of a normalised text ("" for an empty text, which copies nothing)."""
    if not normalized:
        return ""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def is_cjk(text: str) -> bool:
    """True when Chinese, Japanese, Korean or Thai characters dominate the text."""
    sample = text[:4000]
    if sample.isascii() or _max_byte(sample) < 0xE0:
        # every CJK and Thai character takes three UTF-8 bytes, the first >= 0xE0;
        # this check costs a tenth of the regex scan that settles the rest
        return False
    visible = len(sample) - sample.count(" ")
    return visible > 0 and len(_CJK.findall(sample)) >= CJK_SHARE * visible


def _max_byte(text: str) -> int:
    return int(np.frombuffer(text.encode("utf-8"), dtype=np.uint8).max())


def _hash_form(text: str) -> str:
    """normalize() minus what hashing ignores anyway (spacing, the form of quotes)."""
    if not text.isascii():
        text = _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text))
    return text.casefold()


def token_hashes(text: str, cjk: bool) -> npt.NDArray[np.uint64]:
    """One 64-bit hash per token, computed over the UTF-8 bytes with numpy.

    Words for space-separated scripts; for CJK and Thai, each character is a token.
    """
    if cjk:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        codes = codes[(codes >= 0x0E00) | _WORD_BYTE[np.minimum(codes, 255)]]
        return codes.astype(np.uint64) * _MIX[0]
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    positions = np.flatnonzero(_WORD_BYTE[data])
    if len(positions) == 0:
        return np.empty(0, dtype=np.uint64)
    # a token starts where a word byte does not directly follow another
    starts_mask = np.ones(len(positions), dtype=bool)
    starts_mask[1:] = positions[1:] != positions[:-1] + 1
    starts = np.flatnonzero(starts_mask)
    offset = np.arange(len(positions)) - starts[np.cumsum(starts_mask) - 1]
    weighted = data[positions].astype(np.uint64) * _BYTE_WEIGHTS[np.minimum(offset, _MAX_TOKEN - 1)]
    return np.add.reduceat(weighted, starts)


def shingle_hashes(text: str) -> npt.NDArray[np.uint32]:
    """The sorted, distinct 32-bit hashes of a text's shingles (all numpy, no Python call
    per token or per shingle)."""
    form = _hash_form(text)
    cjk = is_cjk(form)
    hashes = token_hashes(form, cjk)
    if len(hashes) == 0:
        return np.empty(0, dtype=np.uint32)
    width = min(CHAR_SHINGLE if cjk else WORD_SHINGLE, len(hashes))
    count = len(hashes) - width + 1
    # in-place numpy operations: on arrays this small, allocation costs more than arithmetic
    combined = np.zeros(count, dtype=np.uint64)
    scratch = np.empty_like(combined)
    for position in range(width):
        np.multiply(hashes[position : position + count], _MIX[position], out=scratch)
        np.bitwise_xor(combined, scratch, out=combined)
        np.right_shift(combined, np.uint64(51), out=scratch)  # rotate left by 13
        np.left_shift(combined, np.uint64(13), out=combined)
        np.bitwise_or(combined, scratch, out=combined)
    np.right_shift(combined, np.uint64(32), out=scratch)
    np.bitwise_xor(combined, scratch, out=combined)
    return _sorted_distinct(combined.astype(np.uint32))


def _sorted_distinct(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """np.unique without its generality, which costs twice the sort on small arrays."""
    values.sort()
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]
