"""Extraction quality: bag-of-tokens precision, recall and F1 against ground truth."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def tokens(text: str) -> Counter[str]:
    """Words, except in Chinese/Japanese/Korean text, where characters are the unit."""
    lowered = text.lower()
    if len(_CJK.findall(lowered)) > len(lowered) * 0.2:
        return Counter(ch for ch in lowered if not ch.isspace() and ch.isalnum())
    return Counter(_WORD.findall(lowered))


def scores(extracted: str, truth: str) -> tuple[float, float, float]:
    got, want = tokens(extracted), tokens(truth)
    overlap = sum((got & want).values())
    precision = overlap / max(1, sum(got.values()))
    recall = overlap / max(1, sum(want.values()))
    f1 = 0.0 if overlap == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1
