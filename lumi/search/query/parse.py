"""From the ``q`` string to query words, phrases and negatives (pure: a tokenizer in, data out).

Rules (search-semantics §2):

- the query is tokenized like documents; only the first ``MAX_WORDS`` words count;
- text between double quotes is a phrase (an unclosed quote runs to the end; a hard
  separator inside quotes ends the phrase and starts another); stop words in a phrase keep
  their slot (``None``) and match any word;
- ``-word`` and ``-"a phrase"`` (the minus at the start or after whitespace) are negatives:
  documents containing them are excluded; they are not query terms;
- stop words outside phrases are dropped, except the very last token of the query;
- the last word is a prefix when it is the query's last token (no space or separator after
  it) and prefix search is enabled.
"""

from __future__ import annotations

from dataclasses import dataclass

from lumi.text.tokenizer import HARD, SEPARATOR, WORD, Token, Tokenizer

MAX_WORDS = 10
MAX_QUERY_CHARS = 10_000  # far more than 10 words need; bounds tokenizing a huge `q`


@dataclass(frozen=True, slots=True)
class QueryWord:
    text: str  # index form
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class QueryPhrase:
    words: tuple[str | None, ...]  # None: a stop word, any word fits its slot


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    terms: tuple[QueryWord | QueryPhrase, ...]
    negative_words: tuple[str, ...] = ()
    negative_phrases: tuple[QueryPhrase, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.terms


def parse_query(q: str, tokenizer: Tokenizer, prefix_search: bool = True) -> ParsedQuery:
    """Parse ``q``; see the module docstring for the rules."""
    q = q[:MAX_QUERY_CHARS]
    tokens = tokenizer.tokens(q)
    quotes = [i for i, char in enumerate(q) if char == '"']
    terms: list[QueryWord | QueryPhrase] = []
    negative_words: list[str] = []
    negative_phrases: list[QueryPhrase] = []
    phrase: list[str | None] | None = None
    phrase_negative = False
    phrase_quote = -1
    counted = 0
    last_word = _last_word_index(tokens)
    for index, token in enumerate(tokens):
        quote = _opening_quote(quotes, token.char_start)
        if phrase is not None and quote != phrase_quote:
            _close(phrase, phrase_negative, terms, negative_phrases)
            phrase = None
        if token.kind == SEPARATOR:
            if phrase is not None and token.separator_kind == HARD:
                _close(phrase, phrase_negative, terms, negative_phrases)
                phrase = []
            continue
        if counted >= MAX_WORDS:
            break
        counted += 1
        if quote >= 0:
            if phrase is None:
                phrase = []
                phrase_quote = quote
                phrase_negative = _negated(q, quote)
            phrase.append(None if token.is_stop_word else token.text)
            continue
        if _negated(q, _chunk_start(q, token.char_start)):
            negative_words.append(token.text)
            continue
        is_last = index == last_word and index == len(tokens) - 1
        if token.is_stop_word and not is_last:
            continue
        prefix = is_last and prefix_search and counted <= MAX_WORDS and not token.too_long
        terms.append(QueryWord(token.text, prefix))
    if phrase is not None:
        _close(phrase, phrase_negative, terms, negative_phrases)
    return ParsedQuery(tuple(terms), tuple(negative_words), tuple(negative_phrases))


def _close(
    phrase: list[str | None],
    negative: bool,
    terms: list[QueryWord | QueryPhrase],
    negatives: list[QueryPhrase],
) -> None:
    if not any(word is not None for word in phrase):
        return
    # Stop words at the edges of a phrase constrain nothing.
    while phrase and phrase[0] is None:
        phrase.pop(0)
    while phrase and phrase[-1] is None:
        phrase.pop()
    made = QueryPhrase(tuple(phrase))
    (negatives if negative else terms).append(made)


def _last_word_index(tokens: list[Token]) -> int:
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].kind == WORD:
            return index
    return -1


def _opening_quote(quotes: list[int], at: int) -> int:
    """Index of the quote that opened the phrase containing offset ``at``, or -1."""
    opened = -1
    for count, position in enumerate(quotes):
        if position >= at:
            break
        opened = position if count % 2 == 0 else -1
    return opened


def _chunk_start(q: str, at: int) -> int:
    """Start of the whitespace-delimited chunk holding offset ``at``."""
    while at > 0 and not q[at - 1].isspace():
        at -= 1
    return at


def _negated(q: str, at: int) -> bool:
    """Whether the chunk or quote at ``at`` is preceded by a minus that starts a chunk."""
    if at < 0 or at >= len(q):
        return False
    if q[at] == "-":
        return True
    return q[at] == '"' and at > 0 and q[at - 1] == "-" and (at == 1 or q[at - 2].isspace())
