from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lumi.engine import index_not_found
from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.settings import DEFAULT_CHAT
from lumi.index.templates import (
    FRAGMENTS_DISABLED,
    SEARCH_WITH_DOCUMENT_TEMPLATE,
    Document,
    DocumentTemplate,
    Fragment,
    TemplateInput,
    TemplateSource,
    render_template,
    truncate_utf8,
)
from tests.search.word_index import SmallIndex, small_index  # noqa: F401

ARIEL = {
    "id": 2,
    "title": "Ariel",
    "overview": "Taisto Kasurinen is a Finnish coal miner whose father has just committed "
    "suicide and who is framed for a crime he did not commit.",
    "genres": ["Drama", "Crime"],
    "cast": {"lead": "Turo Pajala", "born": 1955},
    "sequel": None,
}
ARIEL_KEYS = ", ".join(ARIEL)
RENDERING = "error while rendering template: "
MISSING = RENDERING + "user error: missing field in document: liquid: "


def render(source: str, doc: dict[str, Any] = ARIEL, max_bytes: int = 400) -> str:
    return DocumentTemplate(source, max_bytes).render(Document(doc))


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(LumiError) as caught:
        call()
    return caught.value.code, caught.value.message


# ---- document templates ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ doc.breed }} called {{ doc.name }}", "A Jack Russell called Iko"),
        ("{{doc.title}}: {{ doc.overview | truncatewords: 4 }}", "Ariel: Taisto Kasurinen is a..."),
        ("{{ doc.genres }}|{{ doc.genres | join: ', ' }}", "DramaCrime|Drama, Crime"),
        ("{{ doc.cast }}", '{"lead":"Turo Pajala","born":1955}'),
        ("{{ doc.cast.born | plus: 1 }}", "1956"),
        ("[{{ doc.sequel }}]", "[]"),
        ("{% if doc.nothing %}yes{% else %}guarded{% endif %}", "guarded"),
        ("{{ doc.nothing | default: 'none' }}", "none"),
        (
            "{% for f in fields %}{{ f.name }},{% endfor %}",
            "id,title,overview,genres,cast,sequel,breed,name,",
        ),
        ("plain text", "plain text"),
    ],
)
def test_document_templates_render_doc_and_fields(source: str, expected: str) -> None:
    doc = {**ARIEL, "breed": "A Jack Russell", "name": "Iko"}
    assert render(source, doc) == expected


def test_values_inside_arrays_print_like_liquid_values() -> None:
    doc = {"mixed": [1, None, True, 2.5, "x", {"a": [False]}]}
    assert render("{{ doc.mixed }}", doc) == '1true2.5x{"a":[false]}'


def test_the_default_chat_template_lists_searchable_non_null_fields() -> None:
    rendered = render(DEFAULT_CHAT["documentTemplate"], {"id": 1, "title": "Up", "x": None})
    assert rendered == "id: 1\ntitle: Up\n"


def test_is_searchable_follows_the_index_settings() -> None:
    template = DocumentTemplate(
        "{% for f in fields %}{{ f.name }}={{ f.is_searchable }} {% endfor %}"
    )
    settings = {"searchableAttributes": ["title", "cast"]}
    doc = {"id": 1, "title": "Up", "cast": {"lead": "Ed"}}
    assert template.render(Document(doc, settings)) == "id=false title=true cast=true "
    assert template.render(Document(doc)) == "id=true title=true cast=true "


@pytest.mark.parametrize(
    ("source", "variable", "key", "available"),
    [
        (
            "{{ doc.doesnotexist }}",
            "doc",
            "doesnotexist",
            "id, title, overview, genres, cast, sequel",
        ),
        ("{{ doc.cast.age }}", "doc.cast", "age", "lead, born"),
        ("{{ doc.genres[7] }}", "doc.genres", "7", "0, 1"),
        (
            "{{ doc.nothing | upcase }}",
            "doc",
            "nothing",
            "id, title, overview, genres, cast, sequel",
        ),
    ],
)
def test_printing_a_missing_field_names_it_and_the_available_ones(
    source: str, variable: str, key: str, available: str
) -> None:
    assert error_of(lambda: render(source)) == (
        "template_rendering_error",
        f"{MISSING}Unknown index\n  with:\n    variable={variable}\n"
        f"    requested index={key}\n    available indexes={available}\n",
    )


def test_an_unknown_variable_lists_the_template_variables() -> None:
    assert error_of(lambda: render("{{ title }}")) == (
        "template_rendering_error",
        f"{MISSING}Unknown variable\n  with:\n    requested variable=title\n"
        "    available variables=doc, fields\n",
    )


def test_other_rendering_failures_are_rendering_errors() -> None:
    code, message = error_of(lambda: render("{{ 1 | divided_by: 0 }}"))
    assert code == "template_rendering_error"
    assert message.startswith(RENDERING + "liquid: divided_by: can't divide by 0\n")


def test_runaway_loops_are_stopped() -> None:
    code, message = error_of(lambda: render("{% for i in (1..10000000) %}{% endfor %}"))
    assert code == "template_rendering_error"
    assert message.startswith(RENDERING + "liquid: loop iteration limit reached\n")


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("{{ doc.title", "liquid: expected '}}', found end of file\n"),
        ("{% if %}x{% endif %}", "liquid: missing expression\n"),
        ("{% endfor %}", "liquid: unexpected tag 'endfor'\n"),
        (
            "{{ doc.title | shout }}",
            "liquid: Unknown filter\n  with:\n    requested filter=shout\n",
        ),
    ],
)
def test_bad_templates_fail_to_parse(source: str, detail: str) -> None:
    code, message = error_of(lambda: DocumentTemplate(source))
    assert code == "template_parsing_error"
    assert message.startswith("error while parsing template: " + detail)


@pytest.mark.parametrize(
    ("text", "max_bytes", "expected"),
    [
        ("short", 400, "short"),
        ("abcdef", 3, "abc"),
        ("ééé", 6, "ééé"),
        ("ééé", 5, "éé"),
        ("ééé", 3, "é"),
        ("a😀b", 4, "a"),
        ("a😀b", 5, "a😀"),
    ],
)
def test_truncation_keeps_whole_characters(text: str, max_bytes: int, expected: str) -> None:
    assert truncate_utf8(text, max_bytes) == expected


def test_document_templates_are_truncated_to_max_bytes() -> None:
    assert render("{{ doc.overview }}", max_bytes=10) == "Taisto Kas"
    four = "{{ doc.overview }}" * 4
    assert len(render(four).encode()) == 400


# ---- fragments --------------------------------------------------------------------------


def test_fragments_render_every_string_and_keep_other_values() -> None:
    source = {
        "content": [{"type": "text", "text": "A movie named {{doc.title}}"}, 3, None, True],
        "image": "{{ doc.cast.lead }}",
        "{{doc.title}}": "keys are not templates",
    }
    assert Fragment(source).render({"doc": ARIEL}, True) == {
        "content": [{"type": "text", "text": "A movie named Ariel"}, 3, None, True],
        "image": "Turo Pajala",
        "{{doc.title}}": "keys are not templates",
    }


def test_search_fragments_see_q_and_media() -> None:
    fragment = Fragment({"text": "{{ q }}", "mime": "{{ media.image.mime }}"})
    query = {"q": "a dog", "media": {"image": {"mime": "image/png"}}}
    assert fragment.render(query, False) == {"text": "a dog", "mime": "image/png"}
    assert error_of(lambda: fragment.render({"q": "a dog"}, False)) == (
        "template_rendering_error",
        RENDERING + "liquid: Unknown variable\n  with:\n    requested variable=media\n"
        "    available variables=q\n",
    )


def test_fragment_strings_are_parsed_up_front() -> None:
    assert error_of(lambda: Fragment({"a": ["{% if %}"]}))[0] == "template_parsing_error"


# ---- render_template --------------------------------------------------------------------


@pytest.fixture
def movies(small_index: Callable[..., SmallIndex]) -> SmallIndex:  # noqa: F811
    return small_index([ARIEL, {"id": 3, "title": "Up"}], searchableAttributes=["title"])


def opener(*indexes: tuple[str, Index]) -> Callable[[str], Index]:
    known = dict(indexes)

    def open_index(uid: str) -> Index:
        if uid not in known:
            raise index_not_found(uid)
        return known[uid]

    return open_index


INLINE = TemplateSource("inlineDocumentTemplate", inline="{{ doc.title }} #{{ doc.id }}")


@pytest.mark.parametrize(
    ("source", "given", "expected"),
    [
        (INLINE, TemplateInput("inlineDocument", inline={"id": "42", "title": "Iko"}), "Iko #42"),
        (INLINE, TemplateInput("indexDocument", index_uid="movies", document_id="2"), "Ariel #2"),
        (INLINE, None, None),
        (
            TemplateSource("inlineDocumentTemplate", inline="{{ doc.overview }}", max_bytes=6),
            TemplateInput("indexDocument", index_uid="movies", document_id="2"),
            "Taisto",
        ),
        (
            TemplateSource("inlineFragment", inline={"t": "{{ doc.title }}", "n": 1}),
            TemplateInput("inlineDocument", inline={"title": "Iko"}),
            {"t": "Iko", "n": 1},
        ),
        (
            TemplateSource("inlineFragment", inline=["{{ q }}"]),
            TemplateInput("inlineSearch", inline={"q": "dog"}),
            ["dog"],
        ),
        (
            TemplateSource("chatDocumentTemplate", index_uid="movies"),
            TemplateInput("indexDocument", index_uid="movies", document_id="3"),
            "title: Up\n",
        ),
        (
            TemplateSource("chatDocumentTemplate", index_uid="movies", max_bytes=3),
            TemplateInput("inlineDocument", inline={"title": "Iko", "breed": "Jack Russell"}),
            "tit",
        ),
    ],
)
def test_render_template_answers_template_and_rendered(
    movies: SmallIndex, source: TemplateSource, given: TemplateInput | None, expected: Any
) -> None:
    result = render_template(source, given, opener(("movies", movies.index)), multimodal=True)
    template = source.inline if source.inline is not None else DEFAULT_CHAT["documentTemplate"]
    assert result == {"template": template, "rendered": expected}


def test_the_chat_template_comes_from_the_index_settings(movies: SmallIndex) -> None:
    movies.settings({"chat": {"documentTemplate": "Movie: {{ doc.title }}"}})
    source = TemplateSource("chatDocumentTemplate", index_uid="movies")
    given = TemplateInput("inlineDocument", inline={"title": "Iko"})
    result = render_template(source, given, opener(("movies", movies.index)), multimodal=False)
    assert result == {"template": "Movie: {{ doc.title }}", "rendered": "Movie: Iko"}


EMBEDDER_KINDS = ["documentTemplate", "indexingFragment", "searchFragment"]


@pytest.mark.parametrize(
    ("source", "given", "error"),
    [
        *(
            (
                TemplateSource(kind, index_uid="movies", embedder="default"),
                None,
                ("invalid_render_template", "cannot find embedder `default` in index `movies`"),
            )
            for kind in EMBEDDER_KINDS
        ),
        *(
            (
                TemplateSource(kind, index_uid="films", embedder="default"),
                None,
                ("index_not_found", "Index `films` not found."),
            )
            for kind in [*EMBEDDER_KINDS, "chatDocumentTemplate"]
        ),
        (
            INLINE,
            TemplateInput("indexDocument", index_uid="movies", document_id="9999"),
            ("render_document_not_found", "Document with ID `9999` not found in index `movies`."),
        ),
        (
            INLINE,
            TemplateInput("indexDocument", index_uid="movies", document_id="not valid!"),
            (
                "render_document_not_found",
                "Document with ID `not valid!` not found in index `movies`.",
            ),
        ),
        (
            INLINE,
            TemplateInput("indexDocument", index_uid="films", document_id="2"),
            ("index_not_found", "Index `films` not found."),
        ),
        (
            INLINE,
            TemplateInput("inlineSearch", inline={"q": "dog"}),
            ("invalid_render_input", SEARCH_WITH_DOCUMENT_TEMPLATE),
        ),
    ],
)
def test_render_template_errors(
    movies: SmallIndex,
    source: TemplateSource,
    given: TemplateInput | None,
    error: tuple[str, str],
) -> None:
    open_index = opener(("movies", movies.index))
    assert error_of(lambda: render_template(source, given, open_index, multimodal=True)) == error


@pytest.mark.parametrize(
    "source",
    [
        TemplateSource("inlineFragment", inline={"a": "{{ doc.id }}"}),
        TemplateSource("indexingFragment", index_uid="movies", embedder="e"),
        TemplateSource("searchFragment", index_uid="movies", embedder="e"),
    ],
)
def test_fragments_need_the_multimodal_feature(source: TemplateSource) -> None:
    assert error_of(lambda: render_template(source, None, opener(), multimodal=False)) == (
        "feature_not_enabled",
        FRAGMENTS_DISABLED,
    )


def test_templates_are_parsed_even_without_input() -> None:
    source = TemplateSource("inlineDocumentTemplate", inline="{{ doc.title")
    code, _message = error_of(lambda: render_template(source, None, opener(), multimodal=False))
    assert code == "template_parsing_error"
