"""Claims: attributed statements (who said what, with which figures), found in text.

A pure library like dedup: no Scrapy, no SQLAlchemy, no I/O.
"""

from claims.extract import Claim, extract_claims, speaker_key
from claims.quantities import Quantity, find_quantities
from claims.sentences import Sentence, split_sentences

__all__ = [
    "Claim",
    "Quantity",
    "Sentence",
    "extract_claims",
    "find_quantities",
    "speaker_key",
    "split_sentences",
]
