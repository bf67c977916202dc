"""Ranking rules, one module each, orchestrated only by ``bucket_sort``."""
