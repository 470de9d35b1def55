"""Scale-out: several `wirewatch worker` processes, on one machine or many, crawling a
watch's runs together through Redis and one database.

Above the crawler, as the scheduler is: the crawler names what a crawl shares by
settings (crawler.settings: WIREWATCH_SEEN_SET, WIREWATCH_RUN_TALLY,
WIREWATCH_STORY_STATE, Scrapy's SCHEDULER and EXTENSIONS) and imports neither this
package nor Redis; fleet.service.worker_settings plugs these in.

* keys: connecting to Redis, the keys of a watch, a run and a worker;
* frontier: the leased frontier and scrapy-redis's scheduler on it;
* seen: the run's shared seen set with its budgets, and its tally of counts;
* coordinator: a worker's heartbeat, seeding, lease hand-back and the run's end;
* story_state: the clusters' state of a run, once, in Redis;
* service: queueing runs for workers, joining them, the worker loop.
"""
