"""The search request once its shape is valid, and the rules that only depend on it.

The HTTP layer checks types and values field by field (with the exact messages clients
expect) and hands over a dict keyed by the API's camelCase names; ``SearchRequest.of`` turns
it into this object, which the rest of the search code reads. Rules that need the request as
a whole live here too: which pagination mode applies and what window of hits it asks for,
and which combinations of ``vector``/``media``/``hybrid`` make a semantic search.

Query-string values arrive as text; the helpers at the bottom give them the same meaning as
their JSON forms (comma-separated lists, a ``sort`` whose geo points contain commas, a
``filter`` that may be JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import orjson

from lumi.errors import LumiError

DEFAULT_LIMIT = 20
DEFAULT_CROP_LENGTH = 10
DEFAULT_CROP_MARKER = "…"
DEFAULT_PRE_TAG = "<em>"
DEFAULT_POST_TAG = "</em>"
DEFAULT_SEMANTIC_RATIO = 0.5
MATCHING_STRATEGIES = ("last", "all", "frequency")

MISSING_HYBRID = "Invalid request: missing `hybrid` parameter when `vector` or `media` are present."
MEDIA_AND_VECTOR = "Invalid request: both `media` and `vector` parameters are present."
MEDIA_DISABLED = (
    "passing `media` in a search query requires enabling the `multimodal` experimental "
    "feature. See https://github.com/orgs/meilisearch/discussions/846"
)


class Hybrid(NamedTuple):
    embedder: str
    semantic_ratio: float = DEFAULT_SEMANTIC_RATIO


@dataclass(slots=True)
class SearchRequest:
    """Every search parameter, with the reference's defaults."""

    q: str | None = None
    vector: list[float] | None = None
    media: Any = None
    hybrid: Hybrid | None = None
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    page: int | None = None
    hits_per_page: int | None = None
    attributes_to_retrieve: list[str] | None = None
    retrieve_vectors: bool = False
    attributes_to_crop: list[str] | None = None
    crop_length: int = DEFAULT_CROP_LENGTH
    attributes_to_highlight: list[str] | None = None
    show_matches_position: bool = False
    show_ranking_score: bool = False
    show_ranking_score_details: bool = False
    show_performance_details: bool = False
    filter: Any = None
    sort: list[str] | None = None
    distinct: str | None = None
    facets: list[str] | None = None
    highlight_pre_tag: str = DEFAULT_PRE_TAG
    highlight_post_tag: str = DEFAULT_POST_TAG
    crop_marker: str = DEFAULT_CROP_MARKER
    matching_strategy: str = "last"
    attributes_to_search_on: list[str] | None = None
    ranking_score_threshold: float | None = None
    locales: list[str] | None = None
    personalize: dict[str, Any] | None = None
    use_network: bool | None = None

    @classmethod
    def of(cls, params: dict[str, Any]) -> SearchRequest:
        """Build from validated parameters named as in the API (``hitsPerPage``...);
        ``hybrid`` may be a ``{"embedder", "semanticRatio"}`` dict. Unknown names are
        ignored, so multi-search can pass its per-query fields along."""
        request = cls()
        for name, value in params.items():
            attribute = _ATTRIBUTES.get(name)
            if attribute is not None:
                setattr(request, attribute, value)
        if isinstance(request.hybrid, dict):
            hybrid = request.hybrid
            request.hybrid = Hybrid(
                hybrid["embedder"], hybrid.get("semanticRatio", DEFAULT_SEMANTIC_RATIO)
            )
        return request

    @property
    def query(self) -> str:
        """``q`` as echoed in the response (absent or null shows as an empty string)."""
        return self.q or ""

    @property
    def page_mode(self) -> bool:
        """Page mode (exhaustive counts) as soon as ``page`` or ``hitsPerPage`` is given."""
        return self.page is not None or self.hits_per_page is not None

    def window(self, max_total_hits: int) -> tuple[int, int]:
        """``(offset, limit)`` of the hits to return: no hit lies beyond ``max_total_hits``.

        In page mode ``page: 0`` asks for no hit (the counts are still computed).
        """
        if self.page_mode:
            per_page = self.hits_per_page if self.hits_per_page is not None else DEFAULT_LIMIT
            page = self.page if self.page is not None else 1
            offset, limit = ((page - 1) * per_page, per_page) if page > 0 else (0, 0)
        else:
            offset, limit = self.offset, self.limit
        offset = min(offset, max_total_hits)
        return offset, min(limit, max_total_hits - offset)

    def pagination_view(self, total: int, max_total_hits: int) -> dict[str, int]:
        """The response's pagination fields, in order; totals never exceed the hits that
        ``max_total_hits`` lets a client reach."""
        total = min(total, max_total_hits)
        if not self.page_mode:
            return {"limit": self.limit, "offset": self.offset, "estimatedTotalHits": total}
        per_page = self.hits_per_page if self.hits_per_page is not None else DEFAULT_LIMIT
        pages = -(-total // per_page) if per_page else 0
        page = self.page if self.page is not None else 1
        return {"hitsPerPage": per_page, "page": page, "totalPages": pages, "totalHits": total}

    def semantic_embedder(self, *, query_string: bool = False) -> str | None:
        """The embedder a semantic or hybrid search needs, or None for a keyword search.

        Raises the reference's errors for ``media``/``vector`` given without ``hybrid`` or
        together. A ``semanticRatio`` of 0 and a placeholder search without vector stay
        keyword searches, whatever the embedder.
        """
        if self.media is not None:
            if self.vector is not None:
                raise LumiError("invalid_search_media_and_vector", MEDIA_AND_VECTOR)
            if self.hybrid is None:
                raise LumiError("missing_search_hybrid", MISSING_HYBRID)
        if self.vector is not None and self.hybrid is None:
            message = (
                "`hybridEmbedder` is mandatory when `vector` is present"
                if query_string
                else MISSING_HYBRID
            )
            raise LumiError("missing_search_hybrid", message)
        if self.hybrid is None or self.hybrid.semantic_ratio == 0.0:
            return None
        placeholder = not (self.q or "").strip()
        if placeholder and self.vector is None and self.media is None:
            return None
        return self.hybrid.embedder


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_ATTRIBUTES = {_camel(f.name): f.name for f in fields(SearchRequest)}


# ---------------------------------------------------------------- query-string forms


def split_list(text: str) -> list[str]:
    """A comma-separated list; items are trimmed."""
    return [item.strip() for item in text.split(",")]


def split_sort(text: str) -> list[str]:
    """A ``sort`` query parameter: comma-separated, but ``_geoPoint(lat, lng):asc`` keeps its
    inner comma. Surrounding double quotes are dropped and items trimmed."""
    out: list[str] = []
    in_geo_point = False
    for item in text.strip('"').split(","):
        item = item.strip()
        if item.startswith("_geoPoint("):
            out.append(item)
            in_geo_point = True
        elif in_geo_point and out:
            out[-1] += "," + item
            if item.endswith(("):asc", "):desc")):
                in_geo_point = False
        else:
            out.append(item)
    return out


def decode_filter(text: str) -> Any:
    """A ``filter`` query parameter: its JSON value when it is valid JSON (an array of
    conditions, for instance), else the text itself."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
