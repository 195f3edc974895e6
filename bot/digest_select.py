"""Choosing each subscriber's stories from one shared pool of candidates.

The pool is the candidate stories of a time window (one archive read). For each distinct
topic selection it keeps, once, the stories under their best topic in newest-first order, so
a subscriber costs a binary search for their `since`, a skip over the stories their chat
already has, and the first twenty that remain. Watch words are matched on word stems (the
same stems search uses) through an inverted index built on first need.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from bot.digest_text import OTHER_TOPIC
from feeds.archive.digests import StoryCandidate
from feeds.models import TOPICS
from feeds.textnorm import is_kazakh_word, kazakh_stem, stem, tokenize

MIN_PREFIX_CHARS = 3
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_KNOWN_TOPICS = frozenset(TOPICS)


@dataclass(slots=True)
class Selection:
    """The stories one digest carries (newest first, each with its heading topic) and how
    many stories the subscriber had in all."""

    stories: list[tuple[StoryCandidate, str]]
    total: int


@dataclass(slots=True)
class _TopicView:
    entries: list[tuple[StoryCandidate, str]]  # newest news first
    negated_latest: list[float]  # -latest_at of each entry: ascending, for bisect
    position: dict[int, int]  # story id -> index in entries


def topic_selection(topics: Iterable[str]) -> frozenset[str] | None:
    """The known topics among a subscriber's, or None for "every topic" (also when none of
    their topics exists any more, rather than sending them nothing)."""
    chosen = frozenset(t for t in topics if t in _KNOWN_TOPICS)
    return chosen or None


def _best_topic(candidate: StoryCandidate, chosen: frozenset[str] | None) -> str | None:
    wanted = chosen if chosen is not None else _KNOWN_TOPICS
    for topic in candidate.topics:
        if topic in wanted:
            return topic
    return OTHER_TOPIC if chosen is None else None


def _phrase_keys(token: str) -> tuple[frozenset[str], str | None]:
    """The stems a word of a watch phrase may be indexed under, and a Kazakh stem prefix.

    A Cyrillic word without Kazakh letters may stand in a Russian or a Kazakh text, so both
    of its stems count; Kazakh endings are matched as prefixes, as search does.
    """
    keys = {stem(token)}
    prefix = None
    if _CYRILLIC_RE.search(token):
        keys.add(kazakh_stem(token))
        keys.add(stem(token, "kk"))
        if is_kazakh_word(token) and len(kazakh_stem(token)) >= MIN_PREFIX_CHARS:
            prefix = kazakh_stem(token)
    return frozenset(keys), prefix


class StoryPool:
    """The candidates of one window and the chats that already had some of them."""

    def __init__(self, candidates: list[StoryCandidate], delivered: dict[int, set[int]]) -> None:
        self._candidates = sorted(candidates, key=lambda c: (c.latest_at, c.story_id), reverse=True)
        self._delivered = delivered
        self._views: dict[frozenset[str] | None, _TopicView] = {}
        self._phrases: dict[str, frozenset[int]] = {}
        self._index: dict[str, set[int]] | None = None

    def __len__(self) -> int:
        return len(self._candidates)

    def _view(self, chosen: frozenset[str] | None) -> _TopicView:
        view = self._views.get(chosen)
        if view is None:
            entries = [
                (c, topic) for c in self._candidates
                if (topic := _best_topic(c, chosen)) is not None
            ]
            view = self._views[chosen] = _TopicView(
                entries=entries,
                negated_latest=[-c.latest_at for c, _ in entries],
                position={c.story_id: n for n, (c, _) in enumerate(entries)},
            )
        return view

    def _stem_index(self) -> dict[str, set[int]]:
        if self._index is None:
            index: dict[str, set[int]] = {}
            for candidate in self._candidates:
                for word in candidate.stems:
                    index.setdefault(word, set()).add(candidate.story_id)
            self._index = index
        return self._index

    def matching(self, phrase: str) -> frozenset[int] | None:
        """Stories whose relevant items contain every word of `phrase` in some form; None
        when the phrase has no words at all (it then filters nothing)."""
        tokens = tokenize(phrase)
        if not tokens:
            return None
        key = " ".join(tokens)
        found = self._phrases.get(key)
        if found is None:
            index = self._stem_index()
            result: set[int] | None = None
            for token in tokens:
                keys, prefix = _phrase_keys(token)
                stories: set[int] = set()
                for word in keys:
                    stories |= index.get(word, set())
                if prefix is not None:
                    for word, ids in index.items():
                        if word.startswith(prefix):
                            stories |= ids
                result = stories if result is None else result & stories
            found = self._phrases[key] = frozenset(result or ())
        return found

    def select(
        self, chat_id: int, topics: Iterable[str], watch_words: Iterable[str], since: float,
        limit: int,
    ) -> Selection:
        """The newest `limit` stories for one chat: with news at or after `since`, under one
        of its topics, matching one of its watch words if it has any, not yet delivered."""
        view = self._view(topic_selection(topics))
        window = bisect_right(view.negated_latest, -since)
        delivered = self._delivered.get(chat_id, set())
        matches = [m for m in map(self.matching, watch_words) if m is not None]
        if matches:
            wanted = frozenset().union(*matches)
            positions = sorted(
                p for story in wanted
                if (p := view.position.get(story, window)) < window and story not in delivered
            )
            return Selection([view.entries[p] for p in positions[:limit]], len(positions))
        already = sum(1 for story in delivered if view.position.get(story, window) < window)
        chosen: list[tuple[StoryCandidate, str]] = []
        for entry in islice(view.entries, window):
            if len(chosen) == limit:
                break
            if entry[0].story_id not in delivered:
                chosen.append(entry)
        return Selection(chosen, window - already)
