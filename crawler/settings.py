"""Scrapy settings for wirewatch: every crawl setting in one place.

Polite by default: robots.txt is obeyed, AutoThrottle adapts to each server, at most
two requests per host at once, retries back off and honour Retry-After, and the
User-Agent names wirewatch so that site owners know who is calling.
"""

from __future__ import annotations

BOT_NAME = "wirewatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "wirewatch/0.1 (+https://github.com/wirewatch/wirewatch; news monitoring crawler)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.0
DOWNLOAD_TIMEOUT = 20
# Refuse responses over 10 MiB (news pages are rarely above 2 MiB); the same cap applies
# to decompressed bodies.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0  # depth is the watch's business, counted from the seeds by the spider

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Backoff before retry n is RETRY_BACKOFF_BASE * 2**(n-1) seconds, unless the server
# sent Retry-After; waits longer than RETRY_AFTER_MAX are not worth holding a slot for.
RETRY_BACKOFF_BASE = 0.5
RETRY_AFTER_MAX = 60.0

# Names are resolved by a resolver that refuses non-public addresses unless the watch
# allows them (WIREWATCH_ALLOW_PRIVATE_ADDRESSES, set per crawl from the watch).
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"
WIREWATCH_ALLOW_PRIVATE_ADDRESSES = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.WatchOffsiteMiddleware": 40,
    "crawler.middlewares.AddressGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsPolicyMiddleware": 100,
    # before Scrapy's decompression (590) on the way back: see crawler.robots
    "crawler.robots.RobotsBodyMiddleware": 595,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ConditionalGetMiddleware": 560,
}
ITEM_PIPELINES = {
    "crawler.pipelines.StorePipeline": 300,
    "crawler.pipelines.StoryPipeline": 400,
    "crawler.alerts.AlertPipeline": 500,  # its page step after the story's
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.extensions.ProgressReporter": 500,
}

# What a crawl shares with other crawl processes, named by class path as Scrapy's own
# components are: a crawl on its own keeps everything here. The workers of a run
# (`wirewatch worker`, the fleet package above this one) swap in their Redis-backed
# classes, the scheduler on the leased frontier and the run coordinator extension
# (fleet.service.worker_settings).
WIREWATCH_SEEN_SET = "crawler.seen.LocalSeen"  # what the run has asked for, its budgets
WIREWATCH_RUN_TALLY = None  # the run's counts beyond this process
WIREWATCH_STORY_STATE = None  # the clusters' state beyond this process (else: in memory)
WIREWATCH_REDIS_URL = None
WIREWATCH_WORKER_NAME = None
WIREWATCH_SHARED_STORIES = False  # several processes share the run's story decisions
# With workers, the story clusters' state (signatures, groups, band index) lives once in
# Redis instead of in every worker (fleet/story_state.py): a worker's memory stays
# flat. False keeps it in each worker, caught up from the database (the older design).
WIREWATCH_STORY_STATE_IN_REDIS = True

# Extraction runs in worker processes so that trafilatura's ~35 ms of CPU per page
# does not stall the event loop; 0 workers means extract inline (tests, debugging).
WIREWATCH_EXTRACTION_WORKERS = None  # None: one per CPU core

# What one run reads of feeds and sitemaps (crawler.spiders.watch.ListingLimits): in all,
# per host, and how deep sitemap indexes may nest, so that an index that points at
# indexes without end (or at 10,000 children) cannot run for ever; what is not read is
# recorded on the index's fetch (error_kind listing_budget). A sitemap may be as large
# as its format allows (50 MB), gzipped or not.
WIREWATCH_MAX_LISTINGS = 100
WIREWATCH_MAX_LISTINGS_PER_HOST = 25
WIREWATCH_MAX_SITEMAP_DEPTH = 2
WIREWATCH_MAX_SITEMAP_BYTES = 50 * 1024 * 1024

# Assign story clusters as articles arrive (see crawler/clustering.py).
WIREWATCH_CLUSTERING = True

# Check the watch's alert rules as each page is stored (see crawler/alerts.py); a watch
# without rules costs nothing.
WIREWATCH_ALERTS = True

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
