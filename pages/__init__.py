"""Pages: what wirewatch reads from one fetched document, as pure functions over bytes
and strings. `extraction` (the article: trafilatura, then our checks), `metadata`
(title, byline, dates from the page's own markup), `analysis` (the article, its links
and feeds and its claims in one parse: what the extraction pool runs) and `feeds`
(RSS, Atom, JSON Feed and sitemaps). No Scrapy, no database, no network."""
