"""Turning what a person typed into a safe FTS5 query, and marking matches for display.

No input may raise: every token is quoted (FTS5 keywords, column filters, `*`, `-`, `"`
and parentheses lose their meaning), at most MAX_TOKENS words are used, and an input with
no words at all gives None, which callers answer with "type some words".

Words match by their stems in the stem columns (word forms: «организации» finds
«организаций»); Kazakh words, whose endings a small stripper cannot always agree on, also
match as stem prefixes. Matches are then marked in the original text by comparing stems, so
the very word forms that matched are highlighted.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from feeds.textnorm import is_kazakh_word, kazakh_stem, looks_kazakh, stem, tokenize

MAX_TOKENS = 10
MAX_QUERY_CHARS = 1000
MIN_PREFIX_CHARS = 3
SNIPPET_WORDS = 24
MARK_START = "\x02"
MARK_END = "\x03"
_WORD_RE = re.compile(r"\w+")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query ready for the archive: the MATCH expression and the keys that mark hits."""

    match: str
    exact: frozenset[str]
    prefixes: frozenset[str]

    def matches_word(self, word: str, language: str = "") -> bool:
        """Whether a word as written in a text of `language` is one of the query's forms."""
        key = _word_key(word, language)
        return key in self.exact or any(key.startswith(p) for p in self.prefixes)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@lru_cache(maxsize=8192)  # a few searches' result words; ~2 MB at most
def _word_key(word: str, language: str) -> str:
    """The stem a word as written is indexed under (cached: marking stems every word)."""
    tokens = tokenize(word)
    return stem(tokens[0], language) if tokens else ""


def _keys(token: str, language: str) -> set[str]:
    """Every stem a token may be indexed under: Cyrillic words without Kazakh letters may be
    Russian or Kazakh, so both stems count."""
    keys = {stem(token, language)}
    if _CYRILLIC_RE.search(token) and not is_kazakh_word(token):
        keys.add(kazakh_stem(token))
        keys.add(stem(token, "ru"))
    return keys


def parse_query(query: str) -> ParsedQuery | None:
    """The safe query for `query`, or None when it holds no words."""
    tokens = tokenize(query[:MAX_QUERY_CHARS])[:MAX_TOKENS]
    if not tokens:
        return None
    language = "kk" if looks_kazakh(query) else ""
    clauses: list[str] = []
    exact: set[str] = set()
    prefixes: set[str] = set()
    for token in tokens:
        keys = _keys(token, language)
        alternatives = [_quoted(k) for k in sorted(keys)]
        exact |= keys
        if is_kazakh_word(token) or language == "kk":
            key = kazakh_stem(token)
            if len(key) >= MIN_PREFIX_CHARS:
                alternatives.append(_quoted(key) + "*")
                prefixes.add(key)
        clauses.append("{title_stems text_stems} : (" + " OR ".join(alternatives) + ")")
    return ParsedQuery(" AND ".join(clauses), frozenset(exact), frozenset(prefixes))


def build_match(query: str) -> str | None:
    """The FTS5 MATCH expression for `query` over items_fts, or None when it has no words."""
    parsed = parse_query(query)
    return parsed.match if parsed else None


def mark(text: str, query: ParsedQuery, language: str = "") -> str:
    """`text` with every word form the query matched between MARK_START and MARK_END."""
    return _WORD_RE.sub(
        lambda m: f"{MARK_START}{m.group()}{MARK_END}"
        if query.matches_word(m.group(), language) else m.group(),
        text,
    )


def snippet(text: str, query: ParsedQuery, language: str = "", words: int = SNIPPET_WORDS) -> str:
    """About `words` words of `text` around its densest run of matches, marked, with «…»
    where text was left out."""
    spans = [m.span() for m in _WORD_RE.finditer(text)]
    if not spans:
        return ""
    hits = [i for i, (a, b) in enumerate(spans) if query.matches_word(text[a:b], language)]
    if hits:
        best = max(hits, key=lambda i: sum(1 for h in hits if i <= h < i + words))
        first = max(0, min(best - 3, len(spans) - words))
    else:
        first = 0
    last = min(len(spans), first + words) - 1
    start = 0 if first == 0 else spans[first][0]
    end = len(text) if last == len(spans) - 1 else spans[last][1]
    piece = mark(text[start:end], query, language).strip()
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


def marked_to_html(marked: str, tag: str = "b") -> str:
    """Escape a snippet for Telegram HTML, then turn the match markers into tags."""
    escaped = html.escape(marked, quote=False)
    return escaped.replace(MARK_START, f"<{tag}>").replace(MARK_END, f"</{tag}>")


def marked_to_plain(marked: str, left: str = "[", right: str = "]") -> str:
    """A snippet for a terminal: the markers become brackets."""
    return marked.replace(MARK_START, left).replace(MARK_END, right)
