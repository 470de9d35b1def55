"""Property-based fuzzing (hypothesis) of the pure functions that see untrusted input:
URL canonicalisation, extraction, shingling and claims extraction. None may crash or
hang on any input; each keeps its own promises (idempotent URLs, offsets that point at
the sentence, the same shingles for the same text).

The deadline is per example: a function that takes a second on a few kilobytes of
text would stall a crawl, so it counts as a hang."""

from __future__ import annotations

import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import extract_claims, find_quantities, split_sentences
from dedup.text import normalize, shingle_hashes
from pages.extraction import extract_page
from storage.urls import URLError, canonicalize_url

# 200 examples per property in CI; WIREWATCH_FUZZ_EXAMPLES=5000 for a longer hunt
FUZZ = settings(
    max_examples=int(os.environ.get("WIREWATCH_FUZZ_EXAMPLES", "200")),
    deadline=1000,
    suppress_health_check=[HealthCheck.too_slow],
)

url_parts = st.text(alphabet=string.printable + "éü中\u200b%", max_size=40)
urls = st.one_of(
    url_parts,
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}/{rest}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
        url_parts,
        url_parts,
    ),
)
prose = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000
) | st.lists(
    st.sampled_from(
        ['"We will not', "confirm,\" he said.", "According to the NIS,", "1,500", "troops",
         "Mr.", "U.S.", "said", "12,000", "on Oct. 8", "(AP) —", "\n", "“", "”", ".", " "]
    ),
    max_size=200,
).map(" ".join)  # fmt: skip


@FUZZ
@given(urls)
def test_canonical_urls_never_crash_and_are_idempotent(url: str) -> None:
    try:
        canonical = canonicalize_url(url)
    except URLError:
        return
    assert canonical.startswith(("http://", "https://"))
    assert canonicalize_url(canonical) == canonical


@pytest.fixture(scope="module")
def warm_extractor() -> None:
    """trafilatura's first call loads its lazy parts: seconds on a busy machine, which
    the per-example deadline would take for a hang (it did, once, in a full run)."""
    extract_page(b"<html><body><p>warm up</p></body></html>", "http://example.test/", None)


@settings(FUZZ, deadline=5000)
@given(st.one_of(st.binary(max_size=4000), prose.map(lambda t: f"<html><body><p>{t}</p>")))
def test_extraction_never_crashes_on_any_bytes(warm_extractor: None, body: bytes | str) -> None:
    extraction = extract_page(body, "http://example.test/news/a", "text/html")
    assert extraction.status is not None


@FUZZ
@given(prose)
def test_shingles_are_a_function_of_the_text(text: str) -> None:
    first = shingle_hashes(normalize(text))
    assert (first == shingle_hashes(normalize(text))).all()


@FUZZ
@given(prose)
def test_claims_point_at_their_sentences(text: str) -> None:
    for claim in extract_claims(text):
        assert text[claim.start : claim.end] == claim.sentence
        for quantity in claim.quantities:
            assert claim.sentence[quantity.start : quantity.end] == quantity.text
    for sentence in split_sentences(text):
        find_quantities(sentence.text)


@pytest.mark.parametrize("size", [200_000])
def test_a_huge_single_line_is_handled_in_time(size: int) -> None:
    """Pathological text of one long run (no spaces, no sentence ends)."""
    text = "1," * (size // 2)
    extract_claims(text)
    shingle_hashes(normalize(text))
