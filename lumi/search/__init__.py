"""Search: request objects, the query graph, ranking rules run by a bucket sort, filters,
facets, distinct and result formatting.
"""
