"""Finding lexicon terms in a text by word forms: single words and stem sequences.

Every word of a text gets one or two matching keys: its Snowball stem (Russian, English) or
its Kazakh stem, and in Kazakh text a Cyrillic word gets both, because many Kazakh words have
no Kazakh-only letter. Terms are sequences of keys; at each position the longest term wins
and consumes its words, so a mask such as «общественный транспорт» hides the words it covers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import not_

from feeds.textnorm import (
    fold_words,
    is_kazakh_word,
    kazakh_known_stem,
    kazakh_stem,
    looks_kazakh,
    stem,
    stems,
    strip_invisible,
    tokenize,
)

_WORD_RE = re.compile(r"\w+")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_KAZAKH_LETTER_RE = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_CACHE_LIMIT = 20_000  # distinct word forms remembered per script before starting afresh (~5 MB)

Keys = tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Term:
    """One compiled term: the key sequence it matches and what a match is worth."""

    topic: str
    weight: float
    keys: Keys
    phrase: str
    unless: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()  # when set, the term counts only beside one of these
    exclude: bool = False  # an admin's exclude term: a match drops its topic
    kazakh_only: bool = False  # a Kazakh term without Kazakh letters: not in Russian text
    admin: bool = False  # an admin's include term: a match keeps the item whatever else
    before_name: Term | None = None  # what the term counts as right before a name


def kazakh_only(phrase: str, language: str) -> bool:
    """True for a Kazakh phrase with no Kazakh-only letter: it must not match Russian text."""
    return language == "kk" and not _KAZAKH_LETTER_RE.search(phrase)


def phrase_keys(phrase: str, language: str) -> Keys:
    """The key sequence of a lexicon phrase written in `language` (ru, kk, en)."""
    keys = []
    for token in tokenize(phrase):
        if language == "kk" and _CYRILLIC_RE.search(token):
            keys.append(kazakh_stem(token))
        else:
            keys.append(stem(token))
    return tuple(keys)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Where each word of a prepared text is (same words as `Matcher.words`)."""
    return [match.span() for match in _WORD_RE.finditer(text)]


class WordSpans:
    """Where the words of a prepared text are (same words as `Matcher.words`), found only
    as far as asked: most matches are near the start, and most words are never asked for."""

    def __init__(self, text: str) -> None:
        self._found: list[tuple[int, int]] = []
        self._rest = _WORD_RE.finditer(text)

    def upto(self, index: int) -> list[tuple[int, int]]:
        """The spans of words 0..index (fewer when the text has fewer words)."""
        found = self._found
        while len(found) <= index:
            match = next(self._rest, None)
            if match is None:
                break
            found.append(match.span())
        return found


def prepare(text: str) -> str:
    """The text as matched and quoted back: invisible marks out, composed (NFC)."""
    return unicodedata.normalize("NFC", strip_invisible(text))


_ASIDE_RE = re.compile(r"\([^()]{0,120}\)")


def blank_asides(text: str) -> str:
    """Short parenthetical asides blanked out, offsets kept.

    Asides qualify a name («(признан иноагентом)», «(внесен в реестр)» are legal
    disclaimers some outlets must print), they are not what the item is about.
    """
    if "(" not in text:
        return text
    return _ASIDE_RE.sub(lambda m: " " * len(m.group()), text)


def reads_as_kazakh(text: str, language: str) -> bool:
    """Kazakh when the item says so or when Kazakh-only letters are frequent in it.

    A Russian text quoting a Kazakh name («Ұлттық Құрылтай») stays Russian; a Kazakh text
    has one such letter in every few words.
    """
    if language == "kk":
        return True
    if not looks_kazakh(text):
        return False
    if language in ("ru", "en"):
        return len(_KAZAKH_LETTER_RE.findall(text)) * 40 > len(text) > 0
    return len(_KAZAKH_LETTER_RE.findall(text)) * 60 > len(text) > 0


@dataclass(slots=True)
class _FormCache:
    """Word forms seen: their keys, and whether a term may start at them. Threads only add
    entries (each a single dictionary operation, atomic under the interpreter lock), and
    computing a form twice gives the same keys, so no lock is needed."""

    known: dict[str, Keys] = field(default_factory=dict)
    starts_term: dict[str, bool] = field(default_factory=dict)


class Matcher:
    """Compiled terms; immutable after construction, so any thread may use it at once."""

    def __init__(self, terms: Iterable[Term]) -> None:
        by_keys: dict[Keys, list[Term]] = {}
        for term in terms:
            if term.keys:
                by_keys.setdefault(term.keys, []).append(term)
        for keys, found in by_keys.items():
            by_keys[keys] = _strongest_per_topic(found)
        self._terms: dict[Keys, tuple[Term, ...]] = {k: tuple(v) for k, v in by_keys.items()}
        starts: dict[str, list[Keys]] = {}
        for keys in self._terms:
            starts.setdefault(keys[0], []).append(keys)
        self._starts: dict[str, tuple[Keys, ...]] = {
            first: tuple(sorted(seqs, key=len, reverse=True)) for first, seqs in starts.items()
        }
        self._known_keys = frozenset(k for keys in self._terms for k in keys)
        self._start_keys = frozenset(self._starts)
        # «депутаттар», «митинг» stem like Russian words; in a Russian text they are Russian.
        self._kazakh_only = frozenset(
            keys for keys, found in self._terms.items() if all(t.kazakh_only for t in found)
        )
        # One cache per script (Kazakh or not) for every thread: word form → its keys, and
        # whether a term may start at it. A full cache is replaced, never cleared, so a
        # thread reading the old one meanwhile finishes with it intact.
        self._caches: dict[bool, _FormCache] = {False: _FormCache(), True: _FormCache()}

    def words(self, text: str, kazakh: bool) -> tuple[list[Keys], list[int]]:
        """The keys of each word of a prepared text, and where a term may start."""
        return self.words_of([text], kazakh)[0]

    def words_of(self, texts: list[str], kazakh: bool) -> list[tuple[list[Keys], list[int]]]:
        """`words` of several prepared texts (an item's title and body) in one pass.

        Word forms repeat a lot across news, so the keys of the forms seen are cached
        (bounded, shared by all threads), and a text costs mostly dictionary look-ups; the
        forms not seen yet are stemmed together, one PyStemmer call per language.
        """
        cache = self._caches[kazakh]
        if len(cache.known) > _CACHE_LIMIT:
            cache = self._caches[kazakh] = _FormCache()
        known, starts_term = cache.known, cache.starts_term
        per_text = list(map(_WORD_RE.findall, texts))
        surfaces = per_text[0] if len(per_text) == 1 else list(chain.from_iterable(per_text))
        # map/compress keep the per-word loop in C: the cost is mostly dictionary look-ups.
        if None in map(known.get, surfaces):
            new = list(set(surfaces).difference(known))
            new_keys = self._words_keys(new, kazakh)
            # `starts_term` first: a form another thread finds in `known` is in both.
            starts_term.update(
                zip(new, map(not_, map(self._start_keys.isdisjoint, new_keys)), strict=True)
            )
            known.update(zip(new, new_keys, strict=True))
        found = []
        for words in per_text:
            keys = list(map(known.__getitem__, words))
            starts_at = list(compress(range(len(words)), map(starts_term.__getitem__, words)))
            found.append((keys, starts_at))
        return found

    def _words_keys(self, surfaces: list[str], kazakh: bool) -> list[Keys]:
        """The keys of each word: its stem, and in Kazakh text (or for a Kazakh word)
        its Kazakh stem too, read against the lexicon's roots when the stripper misses."""
        tokens = fold_words(surfaces)
        firsts = stems(tokens)
        if not kazakh and not looks_kazakh("\n".join(tokens)):
            return list(zip(firsts))  # one key per word
        found: list[Keys] = []
        for token, first in zip(tokens, firsts, strict=True):
            if not token:
                found.append(())
                continue
            if not (kazakh or is_kazakh_word(token)) or not _CYRILLIC_RE.search(token):
                found.append((first,))
                continue
            second = first if is_kazakh_word(token) else kazakh_stem(token)
            if second not in self._known_keys:
                second = kazakh_known_stem(token, self._known_keys) or second
            found.append((first,) if second == first else (first, second))
        return found

    def scan(
        self, keys: list[Keys], starts_at: list[int], kazakh: bool
    ) -> Iterator[tuple[Term, int, int]]:
        """Every term found, leftmost-longest, as (term, first word, word after the last)."""
        count = len(keys)
        starts = self._starts
        kazakh_only = self._kazakh_only
        covered = 0  # words before this are part of an earlier match
        for position in starts_at:
            if position < covered:
                continue
            found: Keys | None = None
            for key in keys[position]:
                for sequence in starts.get(key, ()):
                    length = len(sequence)
                    if found is not None and length <= len(found):
                        break
                    if position + length > count or (not kazakh and sequence in kazakh_only):
                        continue
                    # Most candidates fail on their second word: check it before the rest.
                    if length > 1 and sequence[1] not in keys[position + 1]:
                        continue
                    if length < 3 or all(
                        sequence[j] in keys[position + j] for j in range(2, length)
                    ):
                        found = sequence
                        break
            if found is None:
                continue
            covered = position + len(found)
            for term in self._terms[found]:
                if kazakh or not term.kazakh_only:
                    yield term, position, covered


def _strongest_per_topic(terms: list[Term]) -> list[Term]:
    """One term per topic and kind for one key sequence: forms of one word
    («волонтер», «волонтеры») must not count twice."""
    best: dict[tuple[str, bool, bool, bool], Term] = {}
    for term in terms:
        slot = (term.topic, term.exclude, term.kazakh_only, bool(term.needs))
        if slot not in best or abs(term.weight) > abs(best[slot].weight):
            best[slot] = term
    return list(best.values())
