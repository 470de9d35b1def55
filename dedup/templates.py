"""Template lines: text that recurs across many pages of one outlet is the site's
boilerplate (a newsletter box, a "follow us" line, a related-stories list that leaked
into the extracted text), not story. It is removed before shingling, so that two
different stories from one outlet never look alike through it.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict

from dedup.text import normalize

# A line seen on this many different pages of one outlet is template. Two is too few
# (an article and its update share every line); three catches a boilerplate block as
# soon as an outlet has three pages, on the newsroom and on the evaluation set.
MIN_PAGES = 3
# Lines longer than this are story paragraphs even when repeated (syndicated text,
# reposted articles); boilerplate lines are short.
MAX_TEMPLATE_CHARS = 2000
# Lines remembered per outlet, most recently seen kept. Almost every line is a story
# paragraph seen once; keeping them all made a long crawl's memory grow with all the
# text it had read (benchmarks/README.md, soak). An outlet's boilerplate recurs on page
# after page, so it stays among the recent lines; 10,000 lines is some 300 articles of
# one outlet, at about 150 bytes a line.
MAX_LINES_PER_OUTLET = 10_000


class TemplateLines:
    """Counts, per outlet, on how many distinct pages each short line appears (up to
    `min_pages`, all that matters), remembering the most recently seen lines only."""

    def __init__(self, min_pages: int = MIN_PAGES,
                 max_lines: int = MAX_LINES_PER_OUTLET) -> None:  # fmt: skip
        if min_pages < 2:
            raise ValueError(f"min_pages must be at least 2, got {min_pages}")
        if max_lines < 1:
            raise ValueError(f"max_lines must be at least 1, got {max_lines}")
        self.min_pages = min_pages
        self.max_lines = max_lines
        # outlet -> line hash -> hashes of the first pages it was seen on
        self._pages: dict[str, OrderedDict[int, tuple[int, ...]]] = defaultdict(OrderedDict)

    def learn(self, outlet: str | None, page: str, text: str) -> None:
        """Record the lines of one page (a page counts once, however often it is seen)."""
        if outlet is None:
            return
        lines = self._pages[outlet]
        page_key = hash(page)
        for line in _candidate_lines(text):
            key = hash(line)
            pages = lines.get(key, ())
            if page_key not in pages and len(pages) < self.min_pages:
                pages = (*pages, page_key)
            lines[key] = pages
            lines.move_to_end(key)
        while len(lines) > self.max_lines:
            lines.popitem(last=False)

    def is_template(self, outlet: str | None, line: str) -> bool:
        if outlet is None:
            return False
        lines = self._pages.get(outlet)
        pages = lines.get(hash(normalize(line)), ()) if lines is not None else ()
        return len(pages) >= self.min_pages

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
