"""Liquid templates over documents, and previewing them (``POST /render-template``).

Embedders and chat describe a document to a model with a Liquid template: ``doc`` is the
document and ``fields`` lists its top-level fields (``name``, ``value``, ``is_searchable``) so
a template can walk whatever an index holds. A fragment (multimodal embedders) is a JSON value
whose strings are templates, rendered over ``doc`` or over a search query (``q``, ``media``).
``render_template`` renders one of them against a stored document, an inline one or a query,
so a template can be checked before anything is indexed with it.

What users rely on:

- a guard sees a missing value as false (``{% if doc.title %}``), but printing one fails the
  rendering, naming the missing key and the keys that do exist;
- an object prints as compact JSON, an array as its items run together (Liquid's rule);
- a document template's text is cut to ``documentTemplateMaxBytes`` bytes, never inside a
  character;
- loops and output are bounded, so a request cannot make the server spin or fill memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from liquid import BoundTemplate, Environment, FalsyStrictUndefined, RenderContext, Token
from liquid.builtin.output import Output, OutputNode
from liquid.exceptions import LiquidError, UndefinedError
from liquid.stringify import to_liquid_string
from liquid.undefined import UNDEFINED

from lumi.errors import LumiError
from lumi.index.documents import is_valid_document_id
from lumi.index.index import Index
from lumi.index.settings import DEFAULT_CHAT, searchable_fields, setting_view
from lumi.messages import compact_json

DEFAULT_MAX_BYTES = 400
FRAGMENT_KINDS = frozenset({"indexingFragment", "searchFragment", "inlineFragment"})
FRAGMENTS_DISABLED = (
    "rendering fragments requires enabling the `multimodal` experimental feature. "
    "See https://github.com/orgs/meilisearch/discussions/846"
)
SEARCH_WITH_DOCUMENT_TEMPLATE = (
    "a document template renders documents: use an `indexDocument` or `inlineDocument` input, "
    "not `inlineSearch`"
)


# ---------------------------------------------------------------- the Liquid environment


class _Context(RenderContext):
    """Path lookup that says which key is missing and which keys exist, as users expect."""

    __slots__ = ()

    def get(self, path: list[object], *, token: Token | None, default: object = UNDEFINED) -> Any:
        root = path[0]
        try:
            value: Any = self.scope[root]  # type: ignore[index]
        except (KeyError, TypeError):
            if default is not UNDEFINED:
                return default
            return self.env.undefined(
                str(root), hint=_unknown_variable(root, self.globals), token=token
            )
        for depth in range(1, len(path)):
            try:
                value = self.get_item(value, path[depth])
            except (KeyError, TypeError, IndexError):
                if default is not UNDEFINED:
                    return default
                hint = _unknown_index(path[:depth], path[depth], value)
                return self.env.undefined(str(root), hint=hint, token=token)
        return value


def _unknown_variable(name: object, known: Mapping[str, object]) -> str:
    return (
        f"liquid: Unknown variable\n  with:\n    requested variable={name}\n"
        f"    available variables={', '.join(known)}\n"
    )


def _unknown_index(walked: list[object], key: object, parent: Any) -> str:
    if isinstance(parent, Mapping):
        available = ", ".join(str(name) for name in parent)
    elif isinstance(parent, list):
        available = ", ".join(str(position) for position in range(len(parent)))
    else:
        available = ""
    variable = ".".join(str(segment) for segment in walked)
    return (
        f"liquid: Unknown index\n  with:\n    variable={variable}\n    requested index={key}\n"
        f"    available indexes={available}\n"
    )


def _text(value: Any) -> str:
    """How a value prints: Liquid's rule, also inside arrays (``nil`` prints nothing and
    booleans print lowercase there too, where the stock rule prints Python's words)."""
    if isinstance(value, list):
        return "".join(_text(item) for item in value)
    return to_liquid_string(value, False)


class _OutputNode(OutputNode):
    __slots__ = ()

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return buffer.write(_text(self.expression.evaluate(context)))


class _Output(Output):
    node_class = _OutputNode


class _Template(BoundTemplate):
    context_class = _Context


class _Liquid(Environment):
    template_class = _Template
    loop_iteration_limit = 1_000_000
    output_stream_limit = 16 * 1024 * 1024

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=extra)
        self.add_tag(_Output)


_LIQUID = _Liquid(undefined=FalsyStrictUndefined)


class _JsonObject(dict[str, Any]):
    """A JSON object seen by a template: looked up like a dict, printed as compact JSON."""

    __slots__ = ("raw",)

    raw: dict[str, Any]

    def __str__(self) -> str:
        return compact_json(self.raw)


def _liquid_value(value: Any) -> Any:
    """``value`` ready for a template: objects print as JSON instead of Python's repr."""
    kind = type(value)
    if kind is dict:
        wrapped = _JsonObject({key: _liquid_value(item) for key, item in value.items()})
        wrapped.raw = value
        return wrapped
    if kind is list:
        return [_liquid_value(item) for item in value]
    return value


def parse_liquid(source: str) -> BoundTemplate:
    """``source`` compiled; ``template_parsing_error`` for bad syntax or an unknown filter."""
    try:
        template = _LIQUID.from_string(source)
    except LiquidError as error:
        raise _parsing_error(str(error)) from None
    for name in template.analyze(include_partials=False).filters:
        if name not in _LIQUID.filters:
            raise _parsing_error(f"Unknown filter\n  with:\n    requested filter={name}\n")
    return template


def _parsing_error(detail: str) -> LumiError:
    return LumiError("template_parsing_error", f"error while parsing template: liquid: {detail}")


def _render(template: BoundTemplate, variables: dict[str, Any], about_document: bool) -> str:
    try:
        return template.render(variables)
    except UndefinedError as error:
        where = "user error: missing field in document: " if about_document else ""
        message = f"error while rendering template: {where}{error.message}"
    except LiquidError as error:
        message = f"error while rendering template: liquid: {error}"
    raise LumiError("template_rendering_error", message)


def truncate_utf8(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` UTF-8 bytes, at a character boundary."""
    if len(text) <= max_bytes // 4:
        return text
    raw = text.encode()
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", "ignore")


# ---------------------------------------------------------------- templates


@dataclass(frozen=True, slots=True)
class Document:
    """A document to render; ``settings`` (the stored settings of the index it comes from)
    decide ``is_searchable``, which is true for every field without an index."""

    doc: dict[str, Any]
    settings: dict[str, Any] | None = None


class DocumentTemplate:
    """A Liquid text template over ``doc`` and ``fields``; renders to at most ``max_bytes``."""

    __slots__ = ("_compiled", "max_bytes", "source")

    def __init__(self, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.source = source
        self.max_bytes = max_bytes
        self._compiled = parse_liquid(source)

    def render(self, document: Document) -> str:
        doc = document.doc
        if document.settings is None:
            searchable: Callable[[str], bool] = _always
        else:
            names = {name for name, _rank in searchable_fields(document.settings, doc)}
            searchable = names.__contains__
        ready = _liquid_value(doc)
        fields = [
            {"name": name, "value": value, "is_searchable": searchable(name)}
            for name, value in ready.items()
        ]
        variables = {"doc": ready, "fields": fields}
        return truncate_utf8(_render(self._compiled, variables, True), self.max_bytes)


def _always(_name: str) -> bool:
    return True


class Fragment:
    """A JSON value whose strings are Liquid templates; other values are kept as they are."""

    __slots__ = ("_compiled", "source")

    def __init__(self, source: Any) -> None:
        self.source = source
        self._compiled = _compile_json(source)

    def render(self, variables: dict[str, Any], about_document: bool) -> Any:
        ready = {name: _liquid_value(value) for name, value in variables.items()}
        return _render_json(self._compiled, ready, about_document)


def _compile_json(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return parse_liquid(value)
    if kind is dict:
        return {key: _compile_json(item) for key, item in value.items()}
    if kind is list:
        return [_compile_json(item) for item in value]
    return value


def _render_json(compiled: Any, variables: dict[str, Any], about_document: bool) -> Any:
    if isinstance(compiled, BoundTemplate):
        return _render(compiled, variables, about_document)
    if type(compiled) is dict:
        return {
            key: _render_json(item, variables, about_document) for key, item in compiled.items()
        }
    if type(compiled) is list:
        return [_render_json(item, variables, about_document) for item in compiled]
    return compiled


# ---------------------------------------------------------------- previewing a template


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """Which template to render (the request's ``template``): an inline one, or one read from
    an index's settings. Fields its ``kind`` does not use are None."""

    kind: str
    index_uid: str | None = None
    embedder: str | None = None
    inline: Any = None
    max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class TemplateInput:
    """What to render the template with (the request's ``input``): ``indexDocument`` (a stored
    document), ``inlineDocument`` (``inline`` is the document) or ``inlineSearch`` (``inline``
    holds ``q`` and/or ``media``)."""

    kind: str
    index_uid: str | None = None
    document_id: str | None = None
    inline: Any = None


IndexOpener = Callable[[str], Index]
"""Opens an index by uid, raising ``index_not_found`` (and refusing what the caller may not
read): the caller decides, so this module needs no knowledge of keys or requests."""


def render_template(
    source: TemplateSource,
    given: TemplateInput | None,
    open_index: IndexOpener,
    *,
    multimodal: bool,
) -> dict[str, Any]:
    """``{"template": <unrendered>, "rendered": <text, JSON value, or None without input>}``.

    The template is compiled even without an input, so syntax errors show either way.
    Fragments need the ``multimodal`` feature (``feature_not_enabled`` otherwise).
    """
    if source.kind in FRAGMENT_KINDS and not multimodal:
        raise LumiError("feature_not_enabled", FRAGMENTS_DISABLED)
    template, settings = _fetch(source, open_index)
    if given is None:
        return {"template": template.source, "rendered": None}
    if given.kind == "inlineSearch":
        if isinstance(template, DocumentTemplate):
            raise LumiError("invalid_render_input", SEARCH_WITH_DOCUMENT_TEMPLATE)
        return {"template": template.source, "rendered": template.render(given.inline, False)}
    document = _document(given, open_index, settings)
    if isinstance(template, DocumentTemplate):
        rendered: Any = template.render(document)
    else:
        rendered = template.render({"doc": document.doc}, True)
    return {"template": template.source, "rendered": rendered}


def _fetch(
    source: TemplateSource, open_index: IndexOpener
) -> tuple[DocumentTemplate | Fragment, dict[str, Any] | None]:
    """The template, and the settings of the index it was read from (None when inline)."""
    if source.kind == "inlineDocumentTemplate":
        return DocumentTemplate(source.inline, source.max_bytes or DEFAULT_MAX_BYTES), None
    if source.kind == "inlineFragment":
        return Fragment(source.inline), None
    uid = source.index_uid
    assert uid is not None  # every other kind names its index
    settings = _settings(open_index(uid))
    if source.kind == "chatDocumentTemplate":
        return _chat_template(settings, source.max_bytes), settings
    # Embedder templates and fragments: Lumi indexes hold no embedder (the setting only
    # accepts an empty object), so the embedder named cannot be found.
    raise LumiError(
        "invalid_render_template", f"cannot find embedder `{source.embedder}` in index `{uid}`"
    )


def _settings(index: Index) -> dict[str, Any]:
    with index.read() as txn:
        return index.settings(txn)


def _chat_template(settings: dict[str, Any], max_bytes: int | None) -> DocumentTemplate:
    """The index's chat template; a value of the wrong type (the chat setting is a free-form
    object) falls back to the default."""
    chat = setting_view("chat", settings)
    text = chat.get("documentTemplate")
    if type(text) is not str:
        text = DEFAULT_CHAT["documentTemplate"]
    stored = chat.get("documentTemplateMaxBytes")
    if type(stored) is not int or stored <= 0:
        stored = DEFAULT_MAX_BYTES
    return DocumentTemplate(text, max_bytes or stored)


def _document(
    given: TemplateInput, open_index: IndexOpener, settings: dict[str, Any] | None
) -> Document:
    """The input document; an inline one is judged by the template's index settings."""
    if given.kind == "inlineDocument":
        return Document(given.inline, settings)
    uid, external = given.index_uid, given.document_id
    assert uid is not None and external is not None  # required by the `indexDocument` kind
    index = open_index(uid)
    with index.read() as txn:
        docid = index.docid(txn, external) if is_valid_document_id(external) else None
        doc = index.document(txn, docid) if docid is not None else None
        stored = index.settings(txn)
    if doc is None:
        raise LumiError(
            "render_document_not_found",
            f"Document with ID `{external}` not found in index `{uid}`.",
        )
    return Document(doc, stored)
