"""The search tool definition and the text the model reads."""

from __future__ import annotations

from lumi.chats.tools import SEARCH_TOOL, render_documents, search_tool
from lumi.chats.workspaces import DEFAULT_PROMPTS


def test_search_tool_lists_the_indexes_and_their_descriptions() -> None:
    tool = search_tool(DEFAULT_PROMPTS, {"movies": "Films", "books": ""})
    function = tool["function"]
    assert function["name"] == SEARCH_TOOL
    assert function["description"] == DEFAULT_PROMPTS["searchDescription"]
    properties = function["parameters"]["properties"]
    assert properties["index_uid"]["enum"] == ["movies", "books"]
    assert properties["index_uid"]["description"].endswith("Indexes:\n- `movies`: Films\n- `books`")
    assert properties["q"]["description"] == DEFAULT_PROMPTS["searchQParam"]
    assert properties["filter"]["description"] == DEFAULT_PROMPTS["searchFilterParam"]
    assert function["parameters"]["required"] == ["index_uid", "q", "filter"]


def test_render_documents() -> None:
    assert render_documents([]) == "No document matches this search."
    assert render_documents(["a", "b"]) == (
        "<document 0>\na\n</document 0>\n<document 1>\nb\n</document 1>"
    )
