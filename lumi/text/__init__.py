"""Text analysis shared by indexing and querying: segmentation into words and separators,
and normalization (case and accent folding) so both sides see the same words.
"""
