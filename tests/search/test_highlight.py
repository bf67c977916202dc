from __future__ import annotations

import pytest

from lumi.search.highlight import Highlights, LocatedPhrase, Marker, Marks, Option
from lumi.search.query.terms import MatchingWords
from lumi.text.tokenizer import TextConfig, tokenizer_for

TOKENIZER = tokenizer_for(TextConfig())
MARKS = Marks("<em>", "</em>", "…")


Term = tuple[int, tuple[str, ...], bool]


def term(index: int, *words: str, prefix: bool = False) -> Term:
    """A query term: its words (for a prefix term, what was typed, then derived words)."""
    return index, words, prefix


def highlights(*terms: Term, phrases: tuple[LocatedPhrase, ...] = ()) -> Highlights:
    """Highlights over matching words shaped like the engine builds them."""
    exact: dict[str, int] = {}
    prefixes: list[tuple[str, int]] = []
    for index, words, prefix in terms:
        if prefix:
            prefixes.append((words[0], index))
            words = words[1:]
        for word in words:
            exact.setdefault(word, index)
    for phrase in phrases:
        for word in phrase.words:
            if word is not None:
                exact.setdefault(word, phrase.term)
    prefixes.sort(key=lambda item: -len(item[0]))
    return Highlights(MatchingWords(exact, tuple(prefixes)), phrases)


def marker(*terms: Term, phrases: tuple[LocatedPhrase, ...] = ()) -> Marker:
    return Marker(TOKENIZER, highlights(*terms, phrases=phrases), MARKS)


def render(mark: Marker, text: str, highlight: bool = True, crop: int | None = None) -> str:
    tokens = mark.tokenizer.tokens(text)
    return mark.format(text, tokens, mark.matches(tokens), Option(highlight, crop))


# ---------------------------------------------------------------- highlighting


@pytest.mark.parametrize(
    "terms, text, expected",
    [
        ([term(0, "knight")], "The Dark Knight", "The Dark <em>Knight</em>"),
        ([term(0, "cafe")], "Un café, s'il vous plaît", "Un <em>café</em>, s'il vous plaît"),
        # a prefix term highlights only the typed part of the word
        ([term(0, "kni", prefix=True)], "The Dark Knight", "The Dark <em>Kni</em>ght"),
        ([term(0, "ete", prefix=True)], "l'Été indien", "l'<em>Été</em> indien"),
        ([term(0, "et", prefix=True)], "l'Été indien", "l'<em>Ét</em>é indien"),
        # a word derived from a prefix term is still only marked on the typed part
        ([term(0, "kni", "knight", prefix=True)], "Knight", "<em>Kni</em>ght"),
        # typo and synonym derivations are listed as accepted forms
        ([term(0, "knight", "knigt")], "a knigt", "a <em>knigt</em>"),
        # every occurrence is marked
        ([term(0, "dark")], "dark, darker, DARK", "<em>dark</em>, darker, <em>DARK</em>"),
        ([], "nothing here", "nothing here"),
    ],
)
def test_highlight_marks_matched_words(terms: list[Term], text: str, expected: str) -> None:
    assert render(marker(*terms), text) == expected


def test_a_phrase_is_highlighted_as_one_span_and_needs_every_word_in_order() -> None:
    phrase = LocatedPhrase(0, ("dark", "knight"))
    mark = marker(term(1, "rises"), phrases=(phrase,))
    assert render(mark, "The Dark Knight rises") == "The <em>Dark Knight</em> <em>rises</em>"
    assert render(mark, "dark, knight") == "<em>dark, knight</em>"
    # its words alone, or out of order, are not marked
    assert render(mark, "The Knight Dark") == "The Knight Dark"
    assert render(mark, "dark side") == "dark side"


def test_a_stop_word_slot_of_a_phrase_fits_any_stop_word() -> None:
    tokenizer = tokenizer_for(TextConfig(stop_words=frozenset({"of", "the"})))
    phrase = LocatedPhrase(0, ("lord", None, "rings"))
    mark = Marker(tokenizer, highlights(phrases=(phrase,)), MARKS)
    tokens = tokenizer.tokens("Lord of the Rings, lord the rings, lord big rings")
    text = "Lord of the Rings, lord the rings, lord big rings"
    assert mark.format(text, tokens, mark.matches(tokens), Option(True)) == (
        "Lord of the Rings, <em>lord the rings</em>, lord big rings"
    )


def test_custom_tags() -> None:
    mark = Marker(TOKENIZER, highlights(term(0, "hero")), Marks("[", "]", "..."))
    assert render(mark, "a hero rises") == "a [hero] rises"


def test_matching_through_exact_words_prefixes_and_derived_words() -> None:
    found = highlights(term(0, "star"), term(1, "sta", "starship", prefix=True))
    assert found.match("star") == (0, 4)
    assert found.match("stars") == (1, 3)
    assert found.match("starship") == (1, 3)
    assert found.match("moon") is None


# ---------------------------------------------------------------- cropping

LONG = (
    "When the menace known as the Joker wreaks havoc and chaos on the people of Gotham, "
    "Batman must accept one of the greatest psychological and physical tests of his ability "
    "to fight injustice."
)


@pytest.mark.parametrize(
    "terms, crop, expected",
    [
        ([term(0, "joker")], 5, "…as the <em>Joker</em> wreaks havoc…"),
        ([term(0, "when")], 4, "<em>When</em> the menace known…"),
        ([term(0, "injustice")], 3, "…to fight <em>injustice</em>."),
        # no match: the first words are kept
        ([term(0, "robin")], 3, "When the menace…"),
        # the window covers the most distinct terms, not the first match
        (
            [term(0, "joker"), term(1, "people"), term(2, "batman")],
            6,
            "…the <em>people</em> of Gotham, <em>Batman</em> must…",
        ),
        # terms too far apart for the window: the first one wins
        ([term(0, "joker"), term(1, "batman")], 3, "…the <em>Joker</em> wreaks…"),
        (
            [term(0, "havoc"), term(1, "chaos")],
            4,
            "…wreaks <em>havoc</em> and <em>chaos</em>…",
        ),
        # cropLength 0 keeps the whole text
        ([term(0, "joker")], 0, LONG.replace("Joker", "<em>Joker</em>")),
    ],
)
def test_crop_keeps_words_around_the_best_matches(
    terms: list[Term], crop: int, expected: str
) -> None:
    assert render(marker(*terms), LONG, crop=crop) == expected


def test_crop_without_highlight_and_short_texts() -> None:
    mark = marker(term(0, "joker"))
    assert render(mark, LONG, highlight=False, crop=3) == "…the Joker wreaks…"
    assert render(mark, "The Joker", highlight=False, crop=10) == "The Joker"


def test_an_empty_crop_marker_adds_nothing() -> None:
    mark = Marker(TOKENIZER, highlights(term(0, "joker")), Marks("<em>", "</em>", ""))
    assert render(mark, LONG, crop=3) == "the <em>Joker</em> wreaks"


def test_crop_prefers_the_soft_separator_side() -> None:
    # A hard separator (the comma) before the match and a soft one after: grow rightwards.
    mark = marker(term(0, "beta"))
    assert render(mark, "alpha, beta gamma delta", crop=2) == "…<em>beta</em> gamma…"
