"""Template lines: text that recurs across many pages of one outlet is the site's
boilerplate (a newsletter box, a "follow us" line, a related-stories list that leaked
into the extracted text), not story. It is removed before shingling, so that two
different stories from one outlet never look alike through it.
"""

from __future__ import annotations

from collections import OrderedDict

from dedup.text import normalize

# A line seen on this many different pages of one outlet is template. Two is too few
# (an article and its update share every line); three catches a boilerplate block as
# soon as an outlet has three pages, on the newsroom and on the evaluation set.
MIN_PAGES = 3
# Lines longer than this are story paragraphs even when repeated (syndicated text,
# reposted articles); boilerplate lines are short.
MAX_TEMPLATE_CHARS = 2000
# Lines remembered, across all outlets, most recently seen kept. Almost every line is a
# story paragraph seen once; keeping them all made a long crawl's memory grow with all
# the text it had read, and a cap per outlet still grew with the number of outlets
# (benchmarks/README.md, soak). 50,000 lines take about 9 MB (about 170 bytes a line,
# measured with tracemalloc in the soak) and are the lines of some 1,500 recent
# articles: an outlet's boilerplate recurs on its every page, so it is seen again
# before it is pushed out unless the outlet is silent for over a thousand articles.
MAX_LINES = 50_000
# Lines confirmed as template are few per outlet (a footer, a newsletter box, a menu)
# and are kept apart from the recent lines, so that a quiet outlet does not lose them;
# the most recently seen this many per outlet.
MAX_TEMPLATE_LINES_PER_OUTLET = 500


class TemplateLines:
    """Counts on how many distinct pages of one outlet each short line appears (up to
    `min_pages`, all that matters), remembering the `max_lines` most recently seen lines
    of all outlets, and the lines found to be template apart, per outlet."""

    def __init__(self, min_pages: int = MIN_PAGES, max_lines: int = MAX_LINES,
                 max_template_lines: int = MAX_TEMPLATE_LINES_PER_OUTLET) -> None:  # fmt: skip
        if min_pages < 2:
            raise ValueError(f"min_pages must be at least 2, got {min_pages}")
        if max_lines < 1 or max_template_lines < 1:
            raise ValueError(
                f"max_lines and max_template_lines must be at least 1, got {max_lines} "
                f"and {max_template_lines}"
            )
        self.min_pages = min_pages
        self.max_lines = max_lines
        self.max_template_lines = max_template_lines
        # hash of (outlet, line) -> hashes of the first pages it was seen on
        self._recent: OrderedDict[int, tuple[int, ...]] = OrderedDict()
        # outlet -> hashes of its template lines, most recently seen last
        self._template: dict[str, OrderedDict[int, None]] = {}

    def learn(self, outlet: str | None, page: str, text: str) -> None:
        """Record the lines of one page (a page counts once, however often it is seen)."""
        if outlet is None:
            return
        page_key = hash(page)
        for line in _candidate_lines(text):
            key = hash((outlet, line))
            template = self._template.get(outlet)
            if template is not None and key in template:
                template.move_to_end(key)
                continue
            pages = self._recent.pop(key, ())
            if page_key not in pages:
                pages = (*pages, page_key)
            if len(pages) >= self.min_pages:
                self._confirm(outlet, key)
            else:
                self._recent[key] = pages
        while len(self._recent) > self.max_lines:
            self._recent.popitem(last=False)

    def _confirm(self, outlet: str, key: int) -> None:
        template = self._template.setdefault(outlet, OrderedDict())
        template[key] = None
        if len(template) > self.max_template_lines:
            template.popitem(last=False)

    def is_template(self, outlet: str | None, line: str) -> bool:
        template = self._template.get(outlet) if outlet is not None else None
        return template is not None and hash((outlet, normalize(line))) in template

    def strip(self, outlet: str | None, text: str) -> str:
        """The text without its outlet's template lines."""
        if outlet is None or outlet not in self._template:
            return text
        kept = [line for line in text.split("\n") if not self.is_template(outlet, line)]
        return "\n".join(kept)


def _candidate_lines(text: str) -> set[str]:
    return {
        normalized
        for line in text.split("\n")
        if (normalized := normalize(line)) and len(normalized) <= MAX_TEMPLATE_CHARS
    }
