"""Checks shared by several resources: index uids in paths and bodies, and ``customMetadata``."""

from __future__ import annotations

from starlette.requests import Request

from lumi.errors import LumiError
from lumi.http.validation import Invalid, custom, string
from lumi.index.registry import is_valid_index_uid

_UID_RULE = (
    "Index uid can be an integer or a string containing only alphanumeric characters, hyphens "
    "(-) and underscores (_), and can not be more than 512 bytes."
)


def path_index_uid(request: Request) -> str:
    """The ``{index_uid}`` path segment, checked."""
    uid: str = request.path_params["index_uid"]
    if not is_valid_index_uid(uid):
        raise LumiError("invalid_index_uid", f"`{uid}` is not a valid index uid. {_UID_RULE}")
    return uid


def _check_index_uid(value: str) -> str:
    if not is_valid_index_uid(value):
        raise Invalid(f"`{value}` is not a valid index uid. {_UID_RULE}")
    return value


# Parser for an index uid inside a JSON body (``Invalid value at `.uid`: ...``).
body_index_uid = custom(_check_index_uid, string())


def custom_metadata(request: Request) -> str | None:
    return request.query_params.get("customMetadata")
