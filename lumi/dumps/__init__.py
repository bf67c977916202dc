"""Dumps: a portable copy of a whole instance, and snapshots: an exact copy of its files.

A **dump** (``POST /dumps``, imported with ``--import-dump``) is a gzip-compressed tar
archive in Lumi's own format. It holds data, not storage: importing it rebuilds every index
through the normal indexing code, so a dump survives changes of the on-disk layout that a
snapshot would not. Members, in the order they are written (the reader relies on it to
import in one streaming pass):

``metadata.json``
    ``{"format": "lumi-dump", "formatVersion": 1, "lumiVersion", "dumpUid", "dumpDate",
    "nextTaskUid", "nextBatchUid"}``. A reader refuses another ``format`` or a newer
    ``formatVersion``.
``instance.json``
    Instance-wide records (experimental features, network, dynamic search rules, whether
    default keys were made) as ``{name: value}``.
``keys.ndjson``
    One API key per line: uid, name, description, actions, indexes and dates. Never the key
    string: it derives from the uid and the master key, so the importing server's master
    key decides the key strings.
``webhooks.json``
    ``{uuid: {"url", "headers"}}`` for the webhooks created through the API.
``tasks.ndjson`` / ``batches.ndjson``
    Every task and batch record, uids and times kept (integer nanoseconds). The dump's own
    task is recorded as succeeded, with the batch that ran it.
``payloads/<task uid>`` / ``update_files/<name>``
    The payload of every task still enqueued (documents to add, the tasks a cancelation
    matched), so importing the dump runs those tasks again.
``indexes/<uid>/index.json``, ``settings.json``, ``documents.ndjson``
    Per index: ``{"uid", "primaryKey", "createdAt", "updatedAt"}`` (RFC 3339), the settings
    that differ from the defaults, and every document, one JSON object per line.

A **snapshot** (``POST /snapshots``, ``--import-snapshot``) is a gzip-compressed tar of the
data directory's LMDB environments copied with compaction (``tasks/data.mdb``,
``indexes/<dir>/data.mdb``) and the payload files of enqueued tasks: quick to restore, but
only readable by a Lumi using the same storage format.
"""

from __future__ import annotations

DUMP_FORMAT = "lumi-dump"
DUMP_FORMAT_VERSION = 1

METADATA = "metadata.json"
INSTANCE = "instance.json"
KEYS = "keys.ndjson"
WEBHOOKS = "webhooks.json"
TASKS = "tasks.ndjson"
BATCHES = "batches.ndjson"
PAYLOADS = "payloads/"
UPDATE_FILES = "update_files/"
INDEXES = "indexes/"
INDEX_META = "index.json"
INDEX_SETTINGS = "settings.json"
INDEX_DOCUMENTS = "documents.ndjson"
