"""Turns documents into search structures: extract words and facets, write them, delete them."""
