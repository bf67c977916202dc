"""LMDB plumbing shared by the task store and the indexes.

Opening environments with the right flags, big-endian integer keys, roaring-bitmap and
orjson values, the on-disk format version, and turning LMDB failures into ``LumiError``.
"""
