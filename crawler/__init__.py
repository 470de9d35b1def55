"""The Scrapy project: settings, the watch spider, pipelines, and pure page analysis."""
