"""The search tool offered to the language model, and running its calls.

The model sees one function, ``_meiliSearchInIndex(index_uid, q, filter)``, whose index
choices are the indexes the caller may search, each described by its ``chat`` index
setting. A call runs an ordinary search with the caller's permissions (tenant token filter
included) and the index's chat ``searchParameters``; the hits are rendered with the index's
chat ``documentTemplate`` for the model, and kept as they are for the client's sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from lumi.engine import Engine
from lumi.errors import LumiError
from lumi.index.settings import setting_view
from lumi.index.templates import Document, DocumentTemplate
from lumi.search.perform import SearchOptions, SearchTarget, perform_search
from lumi.search.request import SearchRequest

SEARCH_TOOL = "_meiliSearchInIndex"
PROGRESS_TOOL = "_meiliSearchProgress"
APPEND_TOOL = "_meiliAppendConversationMessage"
SOURCES_TOOL = "_meiliSearchSources"
# Tools a client may declare: Lumi answers them itself, they never reach the model.
CLIENT_TOOLS = frozenset({PROGRESS_TOOL, APPEND_TOOL, SOURCES_TOOL})


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a search call gives back: ``content`` for the model, ``documents`` (the hits
    as displayed) for the client, ``parameters`` the decoded arguments."""

    content: str
    documents: list[dict[str, Any]]
    parameters: dict[str, Any]


class IndexSearcher:
    """Searches on behalf of one caller: ``allowed`` says which indexes it may see and
    ``token_filter`` gives its tenant token filter for an index."""

    def __init__(
        self,
        engine: Engine,
        allowed: Callable[[str], bool],
        token_filter: Callable[[str], Any],
    ) -> None:
        self.engine = engine
        self.allowed = allowed
        self.token_filter = token_filter

    def index_descriptions(self) -> dict[str, str]:
        """Index uid -> its chat description, for every index the caller may search."""
        described = {}
        for meta in self.engine.list_indexes():
            if self.allowed(meta.uid):
                _, index = self.engine.open_index(meta.uid)
                with index.read() as txn:
                    chat = setting_view("chat", index.settings(txn))
                described[meta.uid] = chat.get("description") or ""
        return described

    def run(self, arguments: str) -> ToolResult:
        """Run one ``_meiliSearchInIndex`` call; problems become text for the model, which
        can then correct its call."""
        try:
            params = orjson.loads(arguments or "{}")
        except orjson.JSONDecodeError:
            return ToolResult("Error: the arguments are not valid JSON.", [], {})
        if not isinstance(params, dict):
            return ToolResult("Error: the arguments must be a JSON object.", [], {})
        uid = params.get("index_uid")
        if not isinstance(uid, str) or not self.allowed(uid):
            return ToolResult(f"Error: there is no index `{uid}` to search.", [], params)
        try:
            hits, rendered = self._search(uid, params.get("q"), params.get("filter"))
        except LumiError as error:
            return ToolResult(f"Error: {error.message}", [], params)
        return ToolResult(rendered, hits, params)

    def _search(self, uid: str, q: Any, filter_: Any) -> tuple[list[dict[str, Any]], str]:
        meta, index = self.engine.open_index(uid)
        with index.read() as txn:
            settings = index.settings(txn)
        chat = setting_view("chat", settings)
        params = dict(chat.get("searchParameters") or {})
        if isinstance(q, str):
            params["q"] = q
        if isinstance(filter_, str) and filter_.strip():
            params["filter"] = filter_
        options = SearchOptions(
            token_filter=self.token_filter(uid),
            features=self.engine.experimental_features(),
            indexes=self.engine,
        )
        result = perform_search(
            SearchTarget(uid, meta.primary_key, index), SearchRequest.of(params), options
        )
        hits = result["hits"]
        template = DocumentTemplate(chat["documentTemplate"], chat["documentTemplateMaxBytes"])
        rendered = [template.render(Document(hit, settings)) for hit in hits]
        return hits, render_documents(rendered)


def render_documents(rendered: list[str]) -> str:
    """The tool answer the model reads: the rendered documents, numbered."""
    if not rendered:
        return "No document matches this search."
    return "\n".join(f"<document {i}>\n{text}\n</document {i}>" for i, text in enumerate(rendered))


def search_tool(prompts: dict[str, str], descriptions: dict[str, str]) -> dict[str, Any]:
    """The OpenAI function definition of the search tool for these indexes."""
    index_help = prompts["searchIndexUidParam"]
    listed = "\n".join(
        f"- `{uid}`: {text}" if text else f"- `{uid}`" for uid, text in descriptions.items()
    )
    if listed:
        index_help = f"{index_help}\nIndexes:\n{listed}"
    return {
        "type": "function",
        "function": {
            "name": SEARCH_TOOL,
            "description": prompts["searchDescription"],
            "parameters": {
                "type": "object",
                "properties": {
                    "index_uid": {
                        "type": "string",
                        "enum": list(descriptions),
                        "description": index_help,
                    },
                    "q": {"type": ["string", "null"], "description": prompts["searchQParam"]},
                    "filter": {
                        "type": ["string", "null"],
                        "description": prompts["searchFilterParam"],
                    },
                },
                "required": ["index_uid", "q", "filter"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
