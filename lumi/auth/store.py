"""API keys kept in the task store: records by uid, and a digest index to find a key string.

Only uids and metadata are stored; key strings are derived from the uid and the master key,
and the ``key_digests`` sub-database maps the SHA-256 of each derived key to its uid so that
a request's key is found without scanning. Reading the data directory therefore reveals
neither the master key nor any key string. The digest index depends on the master key, so it
is rebuilt whenever the server starts.
"""

from __future__ import annotations

from typing import cast

from lumi.auth import keys
from lumi.auth.keys import KeyRecord
from lumi.errors import LumiError
from lumi.storage.env import Txn
from lumi.tasks.store import TaskStore


def _not_found(key: str) -> LumiError:
    return LumiError("api_key_not_found", f"API key `{key}` not found.")


class KeyStore:
    def __init__(self, store: TaskStore, master_key: str | None) -> None:
        self.store = store
        self.master_key = master_key

    # ---- lookups -----------------------------------------------------------------------

    def _get(self, txn: Txn, uid: str) -> KeyRecord | None:
        return cast(KeyRecord | None, self.store.get_record(txn, "keys", uid))

    def _uid_of(self, txn: Txn, uid_or_key: str) -> str | None:
        uid = keys.parse_uid(uid_or_key)
        if uid is not None:
            return uid
        raw = txn.get(keys.key_lookup_digest(uid_or_key), db=self.store.db["key_digests"])
        return None if raw is None else raw.decode()

    def find(self, uid_or_key: str) -> KeyRecord | None:
        """The record for a key uid or a key string (the policy re-checks the match)."""
        with self.store.read() as txn:
            uid = self._uid_of(txn, uid_or_key)
            return None if uid is None else self._get(txn, uid)

    def get(self, uid_or_key: str) -> KeyRecord:
        found = self.find(uid_or_key)
        if found is None:
            raise _not_found(uid_or_key)
        return found

    def all(self) -> list[KeyRecord]:
        """Every key, newest first."""
        with self.store.read() as txn:
            records = [cast(KeyRecord, r) for _uid, r in self.store.records(txn, "keys")]
        return sorted(records, key=lambda r: r["created_at"], reverse=True)

    # ---- writes ------------------------------------------------------------------------

    def _index(self, txn: Txn, record: KeyRecord) -> None:
        if self.master_key is not None:
            digest = keys.key_lookup_digest(keys.derive_key(record["uid"], self.master_key))
            txn.put(digest, record["uid"].encode(), db=self.store.db["key_digests"])

    def create(self, record: KeyRecord) -> KeyRecord:
        with self.store.write() as txn:
            if self._get(txn, record["uid"]) is not None:
                raise LumiError(
                    "api_key_already_exists",
                    f"`uid` field value `{record['uid']}` is already an existing API key.",
                )
            self.store.put_record(txn, "keys", record["uid"], record)
            self._index(txn, record)
        return record

    def update(self, uid_or_key: str, patch: dict[str, str | None], now_ns: int) -> KeyRecord:
        with self.store.write() as txn:
            uid = self._uid_of(txn, uid_or_key)
            record = None if uid is None else self._get(txn, uid)
            if record is None:
                raise _not_found(uid_or_key)
            updated = keys.apply_update(record, patch, now_ns)
            self.store.put_record(txn, "keys", updated["uid"], updated)
        return updated

    def delete(self, uid_or_key: str) -> None:
        with self.store.write() as txn:
            uid = self._uid_of(txn, uid_or_key)
            record = None if uid is None else self._get(txn, uid)
            if record is None:
                raise _not_found(uid_or_key)
            self.store.delete_record(txn, "keys", record["uid"])
            if self.master_key is not None:
                digest = keys.key_lookup_digest(keys.derive_key(record["uid"], self.master_key))
                txn.delete(digest, db=self.store.db["key_digests"])

    def prepare(self, now_ns: int) -> None:
        """At start-up: create the default keys on a fresh protected instance and rebuild the
        digest index for the current master key."""
        if self.master_key is None:
            return
        with self.store.write() as txn:
            txn.drop(self.store.db["key_digests"], delete=False)
            existing = [cast(KeyRecord, r) for _uid, r in self.store.records(txn, "keys")]
            if not existing and self.store.get_record(txn, "meta_json", "keys_initialized") is None:
                existing = keys.default_keys(now_ns)
                for record in existing:
                    self.store.put_record(txn, "keys", record["uid"], record)
                self.store.put_record(txn, "meta_json", "keys_initialized", True)
            for record in existing:
                self._index(txn, record)
