"""The offline newsroom: a set of small local news sites to crawl without a network.

Several outlets, each on its own loopback address, serve the seed story, syndicated
copies of it, unrelated noise, feeds, news sitemaps, robots.txt and a catalogue of
awkward pages, all driven by a day clock. Used by tests, benchmarks and the demo.
"""

from newsroom.server import Newsroom
from newsroom.stories import DAYS, OUTLETS, build_catalogue

__all__ = ["DAYS", "OUTLETS", "Newsroom", "build_catalogue"]
