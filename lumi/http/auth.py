"""Authorization of every request, before its handler runs.

The decision itself is ``lumi.auth.policy.authorize``; this module feeds it the request's
``Authorization`` header, the endpoint's action, the index named in the path, and a key
lookup in the task store, then keeps the resulting ``Access`` on ``request.state`` so
handlers can restrict lists (tasks, batches, indexes, stats) to what the caller may see.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from lumi.auth.policy import Access, authorize
from lumi.http.routing import Endpoint
from lumi.timefmt import now_ns

IndexFilter = Callable[[str], bool]


async def authorize_request(request: Request, ep: Endpoint) -> None:
    if ep.action is None:
        request.state.access = Access()
        return
    state = request.app.state
    request.state.access = authorize(
        state.config.master_key,
        request.headers.get("authorization"),
        ep.action,
        request.path_params.get("index_uid"),
        find_key=state.keys.find,
        now_ns=now_ns(),
        accepts_tenant_token=ep.tenant_token,
    )


def access_of(request: Request) -> Access:
    return request.state.access


def index_filter(request: Request) -> IndexFilter | None:
    """The predicate restricting lists to the caller's indexes; None when unrestricted."""
    access = access_of(request)
    if access.global_tasks_visible:
        return None
    return access.allowed_indexes


def sees_global_tasks(request: Request) -> bool:
    return access_of(request).global_tasks_visible
