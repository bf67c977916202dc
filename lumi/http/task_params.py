"""The filter parameters shared by ``/tasks``, ``/batches``, ``/tasks/cancel`` and
``DELETE /tasks``, each value checked with its own error code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from lumi.engine import Page
from lumi.errors import LumiError
from lumi.http.auth import index_filter
from lumi.http.validation import Field, Invalid, Query, q_boolean, q_integer, q_list
from lumi.index.registry import is_valid_index_uid
from lumi.tasks.models import STATUSES, TASK_TYPES, TYPES_BY_LOWER
from lumi.tasks.query import TaskQuery, date_bound
from lumi.timefmt import parse_date, parse_rfc3339

U32_MAX = 2**32 - 1

_TYPES_LIST = ", ".join(f"`{t}`" for t in TASK_TYPES)
_STATUS_LIST = ", ".join(f"`{s}`" for s in STATUSES)


def _uid(value: str) -> int:
    return q_integer(U32_MAX)(value)


def _task_type(value: str) -> str:
    found = TYPES_BY_LOWER.get(value.lower())
    if found is None:
        raise Invalid(f"`{value}` is not a valid task type. Available types are {_TYPES_LIST}.")
    return found


def _status(value: str) -> str:
    if value.lower() in STATUSES:
        return value.lower()
    raise Invalid(f"`{value}` is not a valid task status. Available statuses are {_STATUS_LIST}.")


def _index_uid(value: str) -> str:
    if is_valid_index_uid(value):
        return value
    raise Invalid(
        f"`{value}` is not a valid index uid. Index uid can be an integer or a string containing "
        "only alphanumeric characters, hyphens (-) and underscores (_), and can not be more "
        "than 512 bytes."
    )


def _star_or(parser: Any) -> Any:
    """``*`` means no restriction: parsed as None. A single value is reported under the bare
    parameter name (``types``); only an element of a comma list gets its index (``uids[1]``).
    """
    listed = q_list(parser)

    def parse(value: str) -> list[Any] | None:
        if value.strip() == "*":
            return None
        if "," not in value:
            return [parser(value)]
        return listed(value)

    return parse


def _date(value: str) -> tuple[int, bool] | None:
    if value == "*":
        return None
    ns = parse_rfc3339(value)
    if ns is not None:
        return ns, False
    ns = parse_date(value)
    if ns is not None:
        return ns, True
    raise Invalid(
        f"`{value}` is an invalid date-time. It should follow the YYYY-MM-DD or RFC 3339 "
        "date-time format."
    )


_DATES = (
    ("afterEnqueuedAt", "invalid_task_after_enqueued_at", "after_enqueued_at", True),
    ("beforeEnqueuedAt", "invalid_task_before_enqueued_at", "before_enqueued_at", False),
    ("afterStartedAt", "invalid_task_after_started_at", "after_started_at", True),
    ("beforeStartedAt", "invalid_task_before_started_at", "before_started_at", False),
    ("afterFinishedAt", "invalid_task_after_finished_at", "after_finished_at", True),
    ("beforeFinishedAt", "invalid_task_before_finished_at", "before_finished_at", False),
)

FILTER_FIELDS = [
    Field("uids", _star_or(_uid), "invalid_task_uids"),
    Field("batchUids", _star_or(_uid), "invalid_batch_uids"),
    Field("canceledBy", _star_or(_uid), "invalid_task_canceled_by"),
    Field("types", _star_or(_task_type), "invalid_task_types"),
    Field("statuses", _star_or(_status), "invalid_task_statuses"),
    Field("indexUids", _star_or(_index_uid), "invalid_index_uid"),
    *(Field(name, _date, code) for name, code, _attr, _after in _DATES),
]

LIST_QUERY = Query(
    [
        Field("limit", q_integer(U32_MAX), "invalid_task_limit", default=20),
        Field("from", q_integer(U32_MAX), "invalid_task_from"),
        Field("reverse", q_boolean(), "invalid_task_reverse", default=False),
        *FILTER_FIELDS,
    ]
)
FILTER_QUERY = Query(FILTER_FIELDS)


def task_query(params: dict[str, Any]) -> TaskQuery:
    """The engine's filter from validated parameters."""
    query = TaskQuery(
        uids=params.get("uids"),
        batch_uids=params.get("batchUids"),
        canceled_by=params.get("canceledBy"),
        types=params.get("types"),
        statuses=params.get("statuses"),
        index_uids=params.get("indexUids"),
    )
    for name, _code, attr, is_after in _DATES:
        value = params.get(name)
        if value is not None:
            ns, date_only = value
            setattr(query, attr, date_bound(ns, date_only=date_only, is_after=is_after))
    return query


def missing_filters(verb: str) -> LumiError:
    return LumiError(
        "missing_task_filters",
        f"Query parameters to filter the tasks to {verb} are missing. Available query "
        "parameters are: `uids`, `indexUids`, `statuses`, `types`, `canceledBy`, "
        "`beforeEnqueuedAt`, `afterEnqueuedAt`, `beforeStartedAt`, `afterStartedAt`, "
        "`beforeFinishedAt`, `afterFinishedAt`.",
    )


def list_page(request: Request, lister: Callable[..., Page]) -> dict[str, Any]:
    """``GET /tasks`` or ``GET /batches``: parse the parameters, list, and render the page."""
    params = LIST_QUERY.parse(request.query_params.multi_items())
    page = lister(
        task_query(params),
        params.get("from"),
        params["limit"],
        params["reverse"],
        index_filter(request),
    )
    return {
        "results": page.results,
        "total": page.total,
        "limit": page.limit,
        "from": page.from_,
        "next": page.next,
    }
