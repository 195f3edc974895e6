"""Turning what a person typed into a safe FTS5 query, and marking matches for display.

No input may raise: every token is quoted (FTS5 keywords, column filters, `*`, `-`, `"`
and parentheses lose their meaning), at most MAX_TOKENS words are used, and an input with
no words at all gives None, which callers answer with "type some words".
"""

from __future__ import annotations

import html

from feeds.textnorm import looks_kazakh, stem, tokenize

MAX_TOKENS = 10
MAX_QUERY_CHARS = 1000
MIN_PREFIX_CHARS = 3
MARK_START = "\x02"
MARK_END = "\x03"


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def build_match(query: str) -> str | None:
    """An FTS5 MATCH expression for the items_fts table, or None when there are no words.

    Each word matches either by its stem in the stem columns (word forms: «организации»
    finds «организаций») or by its stem as a prefix of a word as written, which also covers
    Kazakh endings and lets snippets highlight the very word forms that matched. Words are
    ANDed.
    """
    tokens = tokenize(query[:MAX_QUERY_CHARS])[:MAX_TOKENS]
    if not tokens:
        return None
    language = "kk" if looks_kazakh(query) else ""
    clauses = []
    for token in tokens:
        key = stem(token, language)
        alternatives = [f"{{title_stems text_stems}} : {_quoted(key)}"]
        if len(key) >= MIN_PREFIX_CHARS:
            alternatives.append(f"{{title text}} : {_quoted(key)}*")
        else:
            alternatives.append(f"{{title text}} : {_quoted(token)}")
        clauses.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(clauses)


def marked_to_html(marked: str, tag: str = "b") -> str:
    """Escape a snippet for Telegram HTML, then turn the match markers into tags."""
    escaped = html.escape(marked, quote=False)
    return escaped.replace(MARK_START, f"<{tag}>").replace(MARK_END, f"</{tag}>")


def marked_to_plain(marked: str, left: str = "[", right: str = "]") -> str:
    """A snippet for a terminal: the markers become brackets."""
    return marked.replace(MARK_START, left).replace(MARK_END, right)
