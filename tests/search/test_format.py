from __future__ import annotations

from typing import Any

import pytest

from lumi.search.format import HitFormatter, format_options
from lumi.search.highlight import Option
from lumi.search.request import SearchRequest
from lumi.text.tokenizer import TextConfig, tokenizer_for
from tests.search.test_highlight import LONG, Term, highlights, term

TOKENIZER = tokenizer_for(TextConfig())

# ---------------------------------------------------------------- options and hits

DOC: dict[str, Any] = {
    "id": 7,
    "title": "The Dark Knight",
    "overview": LONG,
    "info": {"genres": ["Action", "Dark drama"], "year": 2008, "rating": 9.5, "ok": True},
    "secret": "dark secret",
}
FIELDS = ["id", "title", "overview", "info", "secret"]
DISPLAYED = ["id", "title", "overview", "info"]


def formatter(request: SearchRequest, *terms: Term) -> HitFormatter:
    found = highlights(*terms) if terms else None
    return HitFormatter(request, DISPLAYED, FIELDS, TOKENIZER, found)


def test_a_plain_hit_is_the_displayed_fields() -> None:
    hit = formatter(SearchRequest(q="dark"), term(0, "dark")).hit(DOC)
    assert hit == {k: v for k, v in DOC.items() if k != "secret"}
    assert list(hit) == ["id", "title", "overview", "info"]


def test_attributes_to_retrieve_is_intersected_with_displayed() -> None:
    request = SearchRequest(attributes_to_retrieve=["title", "secret", "info.year", "nope"])
    assert formatter(request).hit(DOC) == {"title": "The Dark Knight", "info": {"year": 2008}}


def test_formatted_holds_retrieved_and_highlighted_fields_with_numbers_as_strings() -> None:
    request = SearchRequest(
        q="dark", attributes_to_retrieve=["id", "info"], attributes_to_highlight=["title"]
    )
    hit = formatter(request, term(0, "dark")).hit(DOC)
    assert list(hit) == ["id", "info", "_formatted"]
    assert hit["_formatted"] == {
        "id": "7",
        "title": "The <em>Dark</em> Knight",
        "info": {
            "genres": ["Action", "Dark drama"],
            "year": "2008",
            "rating": "9.5",
            "ok": True,
        },
    }


def test_highlighting_a_parent_covers_its_nested_fields() -> None:
    request = SearchRequest(q="dark", attributes_to_highlight=["info"])
    hit = formatter(request, term(0, "dark")).hit(DOC)
    assert hit["_formatted"]["info"]["genres"] == ["Action", "<em>Dark</em> drama"]
    assert hit["_formatted"]["title"] == "The Dark Knight"


def test_star_highlights_every_displayed_field_but_never_hidden_ones() -> None:
    request = SearchRequest(q="dark", attributes_to_highlight=["*", "secret"])
    hit = formatter(request, term(0, "dark")).hit(DOC)
    assert hit["_formatted"]["title"] == "The <em>Dark</em> Knight"
    assert hit["_formatted"]["info"]["genres"][1] == "<em>Dark</em> drama"
    assert "secret" not in hit["_formatted"]


@pytest.mark.parametrize(
    "highlight, crop",
    [(["nope"], None), (["secret"], None), (None, ["nope:3"]), ([], [])],
)
def test_no_formatted_without_a_known_displayed_attribute(
    highlight: list[str] | None, crop: list[str] | None
) -> None:
    request = SearchRequest(q="dark", attributes_to_highlight=highlight, attributes_to_crop=crop)
    assert "_formatted" not in formatter(request, term(0, "dark")).hit(DOC)


def test_crop_lengths_per_attribute_and_star() -> None:
    request = SearchRequest(
        q="joker", attributes_to_crop=["overview:2", "title"], crop_length=1, crop_marker="~"
    )
    hit = formatter(request, term(0, "joker")).hit(DOC)
    assert hit["_formatted"]["overview"] == "~the Joker~"
    assert hit["_formatted"]["title"] == "The~"
    request = SearchRequest(attributes_to_crop=["*:2"])
    formatted = formatter(request).hit(DOC)["_formatted"]
    assert formatted["title"] == "The Dark…"
    assert formatted["info"]["genres"] == ["Action", "Dark drama"]


def test_options_merge_highlight_and_crop() -> None:
    request = SearchRequest(
        attributes_to_highlight=["overview"], attributes_to_crop=["overview:4", "bad:x"]
    )
    options = format_options(request, DISPLAYED, FIELDS)
    assert options == {
        "overview": Option(True, 4),
        "id": Option(),
        "title": Option(),
        "info": Option(),
    }


def test_matches_position_in_bytes_for_every_displayed_field() -> None:
    request = SearchRequest(q="dark", show_matches_position=True, attributes_to_retrieve=["id"])
    document = {**DOC, "title": "Café dark", "info": {"genres": ["dark", "x", "Dark dark"]}}
    hit = formatter(request, term(0, "dark")).hit(document)
    assert hit == {
        "id": 7,
        "_matchesPosition": {
            "info.genres": [
                {"start": 0, "length": 4, "indices": [0]},
                {"start": 0, "length": 4, "indices": [2]},
                {"start": 5, "length": 4, "indices": [2]},
            ],
            "title": [{"start": 6, "length": 4}],
        },
    }


def test_matches_position_of_a_prefix_counts_only_the_typed_bytes() -> None:
    request = SearchRequest(q="été", show_matches_position=True)
    hit = formatter(request, term(0, "et", prefix=True)).hit({"title": "l'Été"})
    assert hit["_matchesPosition"] == {"title": [{"start": 2, "length": 3}]}


@pytest.mark.parametrize(
    "number, text",
    [
        (2008, "2008"),
        (-3, "-3"),
        (9.5, "9.5"),
        (100.0, "100.0"),
        (1e20, "1e20"),
        (2.5e-8, "2.5e-8"),
    ],
)
def test_numbers_are_written_like_json(number: float, text: str) -> None:
    request = SearchRequest(attributes_to_highlight=["*"])
    hit = HitFormatter(request, ["*"], ["n"], TOKENIZER, None).hit({"n": number})
    assert hit["_formatted"] == {"n": text}


def test_numbers_are_matched_as_text() -> None:
    request = SearchRequest(q="2008", attributes_to_highlight=["info"], show_matches_position=True)
    hit = formatter(request, term(0, "2008")).hit(DOC)
    assert hit["_formatted"]["info"]["year"] == "<em>2008</em>"
    assert hit["_matchesPosition"] == {"info.year": [{"start": 0, "length": 4}]}


VECTORS = {"default": [0.1, 0.2]}
WITH_VECTORS: dict[str, Any] = {"id": 1, "_vectors": VECTORS, "title": "a"}
PLAIN: dict[str, Any] = {"id": 2, "title": "b"}


@pytest.mark.parametrize(
    ("document", "retrieve", "displayed", "to_retrieve", "expected"),
    [
        (WITH_VECTORS, False, ["*"], None, {"id": 1, "title": "a"}),
        (PLAIN, False, ["*"], None, PLAIN),
        (WITH_VECTORS, True, ["*"], None, WITH_VECTORS),
        (PLAIN, True, ["*"], None, {"id": 2, "title": "b", "_vectors": {}}),
        # Not displayed: retrieveVectors shows nothing.
        (WITH_VECTORS, True, ["id", "title"], None, {"id": 1, "title": "a"}),
        (PLAIN, True, ["id", "title"], None, PLAIN),
        (PLAIN, True, ["title", "_vectors"], None, {"title": "b", "_vectors": {}}),
        # attributesToRetrieve does not drop the document's own vectors.
        (WITH_VECTORS, True, ["*"], ["title"], {"title": "a", "_vectors": VECTORS}),
        (WITH_VECTORS, False, ["*"], ["title", "_vectors"], {"title": "a"}),
        # A `_vectors` that is not an object is not a set of vectors.
        ({"id": 3, "_vectors": [1.0]}, True, ["*"], None, {"id": 3, "_vectors": {}}),
    ],
)
def test_vectors_only_with_retrieve_vectors_and_while_displayed(
    document: dict[str, Any],
    retrieve: bool,
    displayed: list[str],
    to_retrieve: list[str] | None,
    expected: dict[str, Any],
) -> None:
    request = SearchRequest(retrieve_vectors=retrieve, attributes_to_retrieve=to_retrieve)
    fields = ["id", "_vectors", "title"]
    hit = HitFormatter(request, displayed, fields, TOKENIZER, None).hit(dict(document))
    assert hit == expected
    assert list(hit) == list(expected)


def test_vectors_follow_the_geo_distance_and_precede_formatting() -> None:
    request = SearchRequest(q="b", retrieve_vectors=True, attributes_to_highlight=["title"])
    fields = ["id", "title"]
    hit = HitFormatter(request, ["*"], fields, TOKENIZER, highlights(term(0, "b"))).hit(
        dict(PLAIN), {"_geoDistance": 12}
    )
    assert list(hit) == ["id", "title", "_geoDistance", "_vectors", "_formatted"]
    assert hit["_vectors"] == {}
