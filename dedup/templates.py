"""Template lines: text that recurs across many pages of one outlet is the site's
boilerplate (a newsletter box, a "follow us" line, a related-stories list that leaked
into the extracted text), not story. It is removed before shingling, so that two
different stories from one outlet never look alike through it.
"""

from __future__ import annotations

from collections import defaultdict

from dedup.text import normalize

# A line seen on this many different pages of one outlet is template. Two is too few
# (an article and its update share every line); three catches a boilerplate block as
# soon as an outlet has three pages, on the newsroom and on the evaluation set.
MIN_PAGES = 3
# Lines longer than this are story paragraphs even when repeated (syndicated text,
# reposted articles); boilerplate lines are short.
MAX_TEMPLATE_CHARS = 2000


class TemplateLines:
    """Counts, per outlet, on how many distinct pages each short line appears."""

    def __init__(self, min_pages: int = MIN_PAGES) -> None:
        if min_pages < 2:
            raise ValueError(f"min_pages must be at least 2, got {min_pages}")
        self.min_pages = min_pages
        self._pages: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def learn(self, outlet: str | None, page: str, text: str) -> None:
        """Record the lines of one page (a page counts once, however often it is seen)."""
        if outlet is None:
            return
        lines = self._pages[outlet]
        for line in _candidate_lines(text):
            lines[line].add(page)

    def is_template(self, outlet: str | None, line: str) -> bool:
        if outlet is None:
            return False
        pages = self._pages.get(outlet, {}).get(normalize(line))
        return pages is not None and len(pages) >= self.min_pages

    def strip(self, outlet: str | None, text: str) -> str:
        """The text without its outlet's template lines."""
        if outlet is None or outlet not in self._pages:
            return text
        kept = [line for line in text.split("\n") if not self.is_template(outlet, line)]
        return "\n".join(kept)


def _candidate_lines(text: str) -> set[str]:
    return {
        normalized
        for line in text.split("\n")
        if (normalized := normalize(line)) and len(normalized) <= MAX_TEMPLATE_CHARS
    }
