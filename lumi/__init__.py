"""Lumi: a search engine server that speaks the Meilisearch HTTP API.

Documents enter through a persistent task queue (``lumi.tasks``) and are written into one
LMDB environment per index (``lumi.index``) by a single scheduler process; web workers
(``lumi.http``) read those environments to answer searches (``lumi.search``). The same
engine runs in-process through ``lumi.embedded``.
"""

__version__ = "0.1.0"
