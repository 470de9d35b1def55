"""Near-duplicate detection (MinHash LSH): a pure library, no Scrapy, no SQLAlchemy, no I/O.

Filled in by the clustering issue; the package exists now so the layering is enforced.
"""
