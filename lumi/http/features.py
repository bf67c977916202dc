"""Refusing routes whose experimental feature is off, with the reference's exact wording."""

from __future__ import annotations

from starlette.requests import Request

from lumi.errors import LumiError
from lumi.http.enqueue import engine_of


def require_feature(request: Request, feature: str, message: str) -> None:
    """Raise ``feature_not_enabled`` with ``message`` unless ``feature`` is switched on."""
    if not engine_of(request).experimental_features()[feature]:
        raise LumiError("feature_not_enabled", message)
