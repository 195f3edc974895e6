"""Relevance filter: is an item about NGOs, civil society or public policy, which topics, why.

The score of an item is the sum of the weights of the lexicon terms found in it (a title
match counts TITLE_BOOST times, a repeated term a little more), minus the off-topic cues;
the item is kept at THRESHOLD or above. Terms are matched on word forms (see
feeds.matching), the lexicon is data (feeds/lexicon/*.toml, see docs/FILTER.md), and admins'
include and exclude terms apply on top.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from feeds.lexicon_loader import OFF_TOPIC, LexiconEntry, load_bundled
from feeds.matching import (
    Keys,
    Matcher,
    Term,
    WordSpans,
    blank_asides,
    kazakh_only,
    phrase_keys,
    prepare,
    reads_as_kazakh,
)
from feeds.models import TOPICS, Verdict

log = logging.getLogger(__name__)

THRESHOLD = 1.0
"""An item scoring this or more is relevant; one strong term (weight 1.0) is enough."""
TITLE_BOOST = 1.7  # a term in the headline says more about the subject than one in the body
BODY_FACTOR = 0.9  # a strong term in passing in the body needs some support to keep an item
REPEAT_BONUS = 0.25  # each further occurrence of a term adds this share of its weight...
MAX_REPEATS = 2  # ...up to this many times
SUPPORT_WEIGHT = 0.5  # terms lighter than this only support: alone they never keep an item...
SUPPORT_CAP = 0.35 # ...because together they add at most this much
TOPIC_SHARE = 0.35  # a topic is listed when it has this share of the best topic's score
MIN_TOPIC_SCORE = 0.3
MAX_MATCHED = 12
MAX_TITLE_CHARS = 2_000  # longer input is cut: the lead decides, and time stays bounded
MAX_TEXT_CHARS = 20_000
ALL_TOPICS = "*"
"""The topic of an admin exclude term that drops the whole item, whatever its topics."""


@dataclass(frozen=True, slots=True)
class FilterTerm:
    """An admin's include or exclude term for one topic (stored in the archive)."""

    topic: str
    kind: str  # "include" or "exclude"
    term: str


@dataclass(slots=True)
class _Hit:
    term: Term
    surface: str
    boost: float
    count: int = 1

    @property
    def value(self) -> float:
        repeats = min(self.count - 1, MAX_REPEATS)
        return self.term.weight * (self.boost + REPEAT_BONUS * repeats)


class Classifier:
    """Built once (the lexicon is read from data files), then used from any thread."""

    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher

    @classmethod
    def load(cls, extra_terms: Iterable[FilterTerm] = ()) -> Classifier:
        """The bundled lexicon plus admins' terms, compiled."""
        return cls.from_entries(load_bundled(), extra_terms)

    @classmethod
    def from_entries(
        cls, entries: Iterable[LexiconEntry], extra_terms: Iterable[FilterTerm] = ()
    ) -> Classifier:
        """A classifier over the given lexicon entries (tests and tuning use small ones)."""
        terms = [_compile_entry(entry) for entry in entries]
        for extra in extra_terms:
            terms.extend(_compile_admin_term(extra))
        return cls(Matcher(terms))

    def classify(self, title: str, text: str, language: str = "") -> Verdict:
        """The verdict on one item; never raises on odd input (non-text counts as empty)."""
        title = prepare(title[:MAX_TITLE_CHARS]) if isinstance(title, str) else ""
        text = prepare(text[:MAX_TEXT_CHARS]) if isinstance(text, str) else ""
        language = language if isinstance(language, str) else ""
        kazakh = reads_as_kazakh(title + " " + text, language)
        hits: dict[Term, _Hit] = {}
        fields = [(blank_asides(field), field, boost)
                  for field, boost in ((title, TITLE_BOOST), (text, BODY_FACTOR)) if field]
        words = self._matcher.words_of([matchable for matchable, _, _ in fields], kazakh)
        for (matchable, field, boost), (keys, starts_at) in zip(fields, words, strict=True):
            self._collect(matchable, field, boost, keys, starts_at, kazakh, hits)
        return _verdict(hits.values(), [keys for keys, _ in words])

    def classify_many(self, items: Sequence[tuple[str, str, str]]) -> list[Verdict]:
        """Verdicts on (title, text, language) triples, in order."""
        return [self.classify(title, text, language) for title, text, language in items]

    def _collect(
        self,
        matchable: str,
        field: str,
        boost: float,
        keys: list[Keys],
        starts_at: list[int],
        kazakh: bool,
        hits: dict[Term, _Hit],
    ) -> None:
        """Record the terms found in one field (`matchable` is `field`, asides blanked)."""
        words = WordSpans(matchable)
        for term, first, end in self._matcher.scan(keys, starts_at, kazakh):
            spans = words.upto(end)
            if term.before_name is not None and _before_a_name(matchable, spans, end):
                term = term.before_name
            hit = hits.get(term)
            if hit is None:
                hits[term] = _Hit(term, field[spans[first][0] : spans[end - 1][1]], boost)
            else:
                hit.count += 1
                hit.boost = max(hit.boost, boost)


def _before_a_name(text: str, spans: list[tuple[int, int]], end: int) -> bool:
    """True when the word after a match is capitalised and follows it directly, as a
    name does after a label («иноагент Максим Галкин»), not across a sentence break."""
    if end >= len(spans):
        return False
    gap = text[spans[end - 1][1] : spans[end][0]]
    return gap.isspace() and len(gap) <= 2 and text[spans[end][0]].isupper()


def _verdict(hits: Iterable[_Hit], seen: list[list[Keys]]) -> Verdict:
    topic_scores: dict[str, float] = {}
    support: dict[str, float] = {}
    penalty = 0.0
    excluded: set[str] = set()
    kept: list[_Hit] = []
    present: set[str] | None = None  # every key of the item, built only when a cue needs it
    for hit in hits:
        term = hit.term
        if term.unless or term.needs:
            if present is None:
                present = {key for keys in seen for word_keys in keys for key in word_keys}
            if not term.unless.isdisjoint(present):
                continue
            if term.needs and term.needs.isdisjoint(present):
                continue
        if term.exclude:
            excluded.add(term.topic)
            continue
        if term.topic == OFF_TOPIC:
            penalty += hit.value  # negative weights; masks weigh 0
        else:
            scores = support if term.weight < SUPPORT_WEIGHT else topic_scores
            scores[term.topic] = scores.get(term.topic, 0.0) + hit.value
            kept.append(hit)
    _add_support(topic_scores, support)
    if ALL_TOPICS in excluded:
        topic_scores.clear()
    for topic in excluded:
        topic_scores.pop(topic, None)
    kept = [hit for hit in kept if hit.term.topic in topic_scores]
    score = max(0.0, sum(topic_scores.values()) + penalty)
    if any(hit.term.admin for hit in kept):
        score = max(score, THRESHOLD)  # the admin asked for these words explicitly
    matched = _matched_words(kept)
    if score < THRESHOLD:
        return Verdict(relevant=False, score=round(score, 3), matched=matched)
    best = max(topic_scores.values())
    ranked = sorted(
        (topic for topic, value in topic_scores.items()
         if value >= max(MIN_TOPIC_SCORE, TOPIC_SHARE * best)),
        key=lambda topic: (-topic_scores[topic], TOPICS.index(topic)),
    )
    return Verdict(relevant=True, score=round(score, 3), topics=ranked, matched=matched)


def _add_support(topic_scores: dict[str, float], support: dict[str, float]) -> None:
    """Add the supporting terms' scores, scaled down together to at most SUPPORT_CAP."""
    total = sum(support.values())
    if not total:
        return
    scale = min(1.0, SUPPORT_CAP / total)
    for topic, value in support.items():
        topic_scores[topic] = topic_scores.get(topic, 0.0) + value * scale


def _matched_words(hits: list[_Hit]) -> list[str]:
    """The words as they appear in the item, the weightiest first, each once."""
    seen: set[str] = set()
    words: list[str] = []
    for hit in sorted(hits, key=lambda h: -h.value):
        folded = hit.surface.casefold()
        if folded not in seen:
            seen.add(folded)
            words.append(hit.surface)
    return words[:MAX_MATCHED]


def _compile_entry(entry: LexiconEntry) -> Term:
    unless = frozenset(k for cue in entry.unless for k in phrase_keys(cue, entry.language))
    needs = frozenset(k for cue in entry.needs for k in phrase_keys(cue, entry.language))
    term = Term(
        topic=entry.topic,
        weight=entry.weight,
        keys=phrase_keys(entry.phrase, entry.language),
        phrase=entry.phrase,
        unless=unless,
        needs=needs,
        kazakh_only=kazakh_only(entry.phrase, entry.language),
    )
    if entry.before_name is None:
        return term
    return replace(term, before_name=replace(term, weight=entry.before_name))


def _compile_admin_term(extra: FilterTerm) -> list[Term]:
    """An admin term as matched in Russian/English and in Kazakh word forms."""
    topic_ok = extra.topic in TOPICS or (extra.kind == "exclude" and extra.topic == ALL_TOPICS)
    if extra.kind not in ("include", "exclude") or not topic_ok:
        log.warning("ignoring admin term %r: kind %r, topic %r", extra.term, extra.kind, extra.topic)
        return []
    variants = {phrase_keys(extra.term, "ru"), phrase_keys(extra.term, "kk")}
    return [
        Term(
            topic=extra.topic,
            weight=THRESHOLD,
            keys=keys,
            phrase=extra.term,
            exclude=extra.kind == "exclude",
            admin=extra.kind == "include",
        )
        for keys in variants
        if keys
    ]
