from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lumi.text.normalizer import normalize
from lumi.text.separators import HARD, SOFT
from lumi.text.tokenizer import (
    MAX_WORD_BYTES,
    SEPARATOR,
    WORD,
    TextConfig,
    Token,
    Tokenizer,
    tokenizer_for,
)

DEFAULT = Tokenizer()


def _nfkd(text: str) -> str:
    return unicodedata.normalize("NFKD", text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", []),
        ("Hello World", [("hello", 0), ("world", 1)]),
        ("Hello  -  World", [("hello", 0), ("world", 1)]),
        (
            "snake_case kebab-case path/to a@b.c",
            [
                ("snake", 0),
                ("case", 1),
                ("kebab", 2),
                ("case", 3),
                ("path", 4),
                ("to", 5),
                ("a", 6),
                ("b", 7),
                ("c", 8),
            ],
        ),
        # Hard separators put the next word 8 positions further.
        ("Hello, World", [("hello", 0), ("world", 8)]),
        ("Hello. World", [("hello", 0), ("world", 8)]),
        ("Hello! World", [("hello", 0), ("world", 8)]),
        ("why? because; yes", [("why", 0), ("because", 8), ("yes", 16)]),
        # Several separators: one hard among them is enough, and distances do not add up.
        ("one , ;! two", [("one", 0), ("two", 8)]),
        ("one - ( two", [("one", 0), ("two", 1)]),
        # A lone dot or comma is soft: numbers split into their groups.
        ("3.14 and 1,000", [("3", 0), ("14", 1), ("and", 2), ("1", 3), ("000", 4)]),
        ("Willis,Vin", [("willis", 0), ("vin", 1)]),
        ("e.g. this", [("e", 0), ("g", 1), ("this", 9)]),
        # Brackets and colons are soft.
        ("a (b) [c]: d", [("a", 0), ("b", 1), ("c", 2), ("d", 3)]),
        # Separators before the first word count for nothing.
        ("... ! Hello", [("hello", 0)]),
        # Characters outside the separator table stay inside words.
        ("a=b|c~d $5", [("a=b|c~d", 0), ("$5", 1)]),
        ("x\u00a0y", [("x y", 0)]),
        # An ellipsis character decomposes to "..." which is no separator: it is a word.
        ("wait… what", [("wait", 0), ("...", 1), ("what", 2)]),
        ("C++ and C#", [("c", 0), ("and", 1), ("c", 2)]),
    ],
)
def test_words_default(text: str, words: list[tuple[str, int]]) -> None:
    assert DEFAULT.words(text) == words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Café Crème BRÛLÉE", [("cafe", 0), ("creme", 1), ("brulee", 2)]),
        ("Привет, мир!", [("привет", 0), ("мир", 8)]),
        ("ΟΔΟΣ σοφία", [("οδοσ", 0), ("σοφια", 1)]),
        ("İstanbul’da", [("istanbul", 0), ("da", 1)]),
        ("iPhone 15 Pro", [("iphone", 0), ("15", 1), ("pro", 2)]),
        # Script changes split words; digits and symbols stay with their neighbours.
        ("abcабв", [("abc", 0), ("абв", 1)]),
        ("Python库很好用", [("python", 0), ("库", 1), ("很", 2), ("好", 3), ("用", 4)]),
        (
            "中华人民共和国成立。我爱北京",
            [
                ("中华", 0),
                ("人民", 1),
                ("共和", 2),
                ("国", 3),
                ("成立", 4),
                ("我", 12),
                ("爱", 13),
                ("北京", 14),
            ],
        ),
        ("東京に行きました", [("東", 0), ("京", 1), ("に", 2), ("行", 3), ("きました", 4)]),
        # Index forms are decomposed (NFKD): voiced kana and Hangul syllables included.
        ("コンピューター", [(_nfkd("こんぴゅーたー"), 0)]),
        ("안녕하세요 세계", [(_nfkd("안녕하세요"), 0), (_nfkd("세계"), 1)]),
        ("السلام عليكم", [("ال", 0), ("سلام", 1), ("عليكم", 2)]),
        ("سنة ٢٠٢٤", [("سنه", 0), ("2024", 1)]),
    ],
)
def test_words_unicode(text: str, words: list[tuple[str, int]]) -> None:
    assert DEFAULT.words(text) == words


@pytest.mark.parametrize(
    ("config", "text", "words"),
    [
        (TextConfig(camel_case=True), "iPhone", [("i", 0), ("phone", 1)]),
        (TextConfig(camel_case=True), "openSSLError", [("open", 0), ("ssl", 1), ("error", 2)]),
        (TextConfig(camel_case=True), "PascalCase CASE", [("pascal", 0), ("case", 1), ("case", 2)]),
        (TextConfig(camel_case=True), "éTé", [("e", 0), ("te", 1)]),
        (TextConfig(non_separators=("+", "#")), "C++ and C#", [("c++", 0), ("and", 1), ("c#", 2)]),
        (TextConfig(non_separators=("-",)), "kebab-case", [("kebab-case", 0)]),
        (TextConfig(separators=("|",)), "red|green|blue", [("red", 0), ("green", 1), ("blue", 2)]),
        (TextConfig(separators=("&sep&",)), "one&sep&two", [("one", 0), ("two", 1)]),
        (
            TextConfig(dictionary=("J.R.R.", "G.O.A.T")),
            "J.R.R. Tolkien is the G.O.A.T.",
            [("j.r.r.", 0), ("tolkien", 1), ("is", 2), ("the", 3), ("g.o.a.t", 4)],
        ),
        (
            TextConfig(dictionary=("J. R. R.",)),
            "J. R. R. Tolkien",
            [("j. r. r.", 0), ("tolkien", 1)],
        ),
        # Dictionary entries are case-sensitive and matched longest first.
        (TextConfig(dictionary=("J.R.R.",)), "j.r.r.", [("j", 0), ("r", 1), ("r", 2)]),
        (
            TextConfig(dictionary=("new", "new york")),
            "new york city",
            [("new york", 0), ("city", 1)],
        ),
        # A dictionary entry inside a word still matches, and is not cut further.
        (TextConfig(dictionary=("ice",)), "police", [("pol", 0), ("ice", 1)]),
        (TextConfig(dictionary=("東京都",)), "東京都に", [("東京都", 0), ("に", 1)]),
        (TextConfig(locales=("swe",)), "Åsa på ön", [("åsa", 0), ("på", 1), ("ön", 2)]),
        (TextConfig(locales=("sv", "en")), "Åsa Café", [("åsa", 0), ("cafe", 1)]),
        (TextConfig(locales=("fra",)), "Åsa på", [("asa", 0), ("pa", 1)]),
    ],
)
def test_words_with_settings(config: TextConfig, text: str, words: list[tuple[str, int]]) -> None:
    assert Tokenizer(config).words(text) == words


@pytest.mark.parametrize(
    ("stop_words", "text", "words"),
    [
        ({"the", "of"}, "The Lord of the Rings", [("the", 0), ("lord", 1), ("rings", 4)]),
        ({"The"}, "The Lord of the Rings", [("lord", 1), ("of", 2), ("the", 3), ("rings", 4)]),
        ({"a"}, "a, b", [("b", 8)]),
        ({"café"}, "un café noir", [("un", 0), ("noir", 2)]),
    ],
)
def test_stop_words_keep_their_position(
    stop_words: set[str], text: str, words: list[tuple[str, int]]
) -> None:
    assert Tokenizer(TextConfig(stop_words=frozenset(stop_words))).words(text) == words


def test_tokens_flag_stop_words_instead_of_dropping_them() -> None:
    tokenizer = Tokenizer(TextConfig(stop_words=frozenset({"the"})))
    tokens = tokenizer.tokens("dark the knight")
    words = [(t.text, t.position, t.is_stop_word) for t in tokens if t.kind == WORD]
    assert words == [("dark", 0, False), ("the", 1, True), ("knight", 2, False)]


def test_tokens_detail() -> None:
    assert DEFAULT.tokens("Héllo, wörld!") == [
        Token(WORD, "hello", "Héllo", 0, 5, 0, 6, 0),
        Token(SEPARATOR, ", ", ", ", 5, 7, 6, 2, 0, separator_kind=HARD),
        Token(WORD, "world", "wörld", 7, 12, 8, 6, 8),
        Token(SEPARATOR, "!", "!", 12, 13, 14, 1, 8, separator_kind=HARD),
    ]


def test_tokens_separator_kinds() -> None:
    kinds = [
        (t.original, t.separator_kind) for t in DEFAULT.tokens("a-b.c. d") if t.kind == SEPARATOR
    ]
    assert kinds == [("-", SOFT), (".", SOFT), (". ", HARD)]


@pytest.mark.parametrize(
    "text",
    [
        "Héllo, wörld! 中文 and emoji 😀 here",
        "Привет, мир — ça va? ﬁne ①",
        "日本語のテキストです。😀😀 x",
        "a\u00a0b\u0301c … d",
    ],
)
def test_token_offsets_point_into_the_original(text: str) -> None:
    encoded = text.encode()
    tokens = DEFAULT.tokens(text)
    for token in tokens:
        assert text[token.char_start : token.char_end] == token.original
        span = encoded[token.byte_start : token.byte_start + token.byte_len]
        assert span.decode() == token.original
    assert "".join(t.original for t in tokens) == text


def test_byte_offsets_count_utf8_bytes() -> None:
    spans = [(t.original, t.byte_start, t.byte_len) for t in DEFAULT.tokens("élan 中文 x")]
    assert spans == [("élan", 0, 5), (" ", 5, 1), ("中文", 6, 6), (" ", 12, 1), ("x", 13, 1)]


@pytest.mark.parametrize(
    ("document", "query"),
    [
        ("Crème Brûlée", "creme brulee"),
        ("İSTANBUL", "istanbul"),
        ("ΟΔΟΣ", "οδος"),
        ("ＡＢＣ", "abc"),
        ("Œuvre", "oeuvre"),
        ("ｶﾀｶﾅ", "かたかな"),
        ("Cafe\u0301", "CAFÉ"),
    ],
)
def test_document_and_query_words_normalize_the_same(document: str, query: str) -> None:
    document_words = [word for word, _ in DEFAULT.words(document)]
    assert document_words == [word for word, _ in DEFAULT.words(query)]
    assert document_words == [normalize(word) for word in query.split()]


@pytest.mark.parametrize(
    ("word", "indexed"),
    [
        ("a" * MAX_WORD_BYTES, True),
        ("a" * (MAX_WORD_BYTES + 1), False),
        ("ж" * (MAX_WORD_BYTES // 2), True),  # 250 bytes
        ("ж" * (MAX_WORD_BYTES // 2 + 1), False),  # 252 bytes
        ("É" * (MAX_WORD_BYTES + 1), False),  # measured once folded: "e" is one byte
        ("É" * MAX_WORD_BYTES, True),
    ],
)
def test_long_words_are_not_indexed_but_take_a_position(word: str, indexed: bool) -> None:
    words = DEFAULT.words(f"short {word} next")
    expected_middle = [(normalize(word), 1)] if indexed else []
    assert words == [("short", 0), *expected_middle, ("next", 2)]
    flags = [t.too_long for t in DEFAULT.tokens(word)]
    assert flags == [not indexed]


def test_empty_segments_take_no_position() -> None:
    assert DEFAULT.words("a \x01 b") == [("a", 0), ("b", 1)]
    assert [t.text for t in DEFAULT.tokens("a \x01 b") if t.kind == WORD] == ["a", "b"]


def test_normalize_follows_locales() -> None:
    assert Tokenizer(TextConfig(locales=("swe",))).normalize("Åsa") == "åsa"
    assert DEFAULT.normalize("Åsa") == "asa"


def test_tokenizer_for_shares_instances() -> None:
    config = TextConfig(stop_words=frozenset({"a"}), locales=("en",))
    same = TextConfig(stop_words=frozenset({"a"}), locales=("en",))
    assert tokenizer_for(config) is tokenizer_for(same)
    assert tokenizer_for(config) is not tokenizer_for(TextConfig())


_ASCII_TEXT = st.text(alphabet=st.sampled_from("abcXYZ019 .,;!?-_'\"()|=$\t\n"), max_size=60)


@given(_ASCII_TEXT)
def test_ascii_fast_path_matches_general_path(text: str) -> None:
    # Re-adding a default separator keeps the behaviour but takes the general path.
    general = Tokenizer(TextConfig(separators=(" ",)))
    assert DEFAULT.words(text) == general.words(text)
    words = [(t.text, t.position) for t in DEFAULT.tokens(text) if t.kind == WORD]
    assert words == DEFAULT.words(text)


@given(_ASCII_TEXT)
def test_ascii_fast_path_matches_general_path_with_stop_words(text: str) -> None:
    stop_words = frozenset({"abc", "X"})
    fast = Tokenizer(TextConfig(stop_words=stop_words))
    general = Tokenizer(TextConfig(separators=(" ",), stop_words=stop_words))
    assert fast.words(text) == general.words(text)
