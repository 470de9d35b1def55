"""Spiders: one, crawling a watch."""
