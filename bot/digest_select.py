"""Choosing each subscriber's stories from one shared pool of candidates.

The pool is the candidate stories of a time window (one archive read), ranked newest news
first. For each distinct topic selection it keeps, once, the ranks of the stories under
those topics, the heading topic of each and where each rank stands (arrays of machine
integers rather than a tuple, a float and a dict entry a story: a tick's forty-odd
selections over 15,000 stories held 52 MB that way), so a subscriber costs a binary search for their `since`, a skip over the stories
their chat already has, and the first twenty that remain. Watch words are matched on word stems by the
full-text index (the expression search builds), one lookup per distinct phrase in a run.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from bot.digest_text import OTHER_TOPIC
from feeds.archive.digests import StoryCandidate
from feeds.models import TOPICS
from feeds.search import parse_query

_KNOWN_TOPICS = frozenset(TOPICS)


@dataclass(slots=True)
class Selection:
    """The stories one digest carries (newest first, each with its heading topic) and how
    many stories the subscriber had in all."""

    stories: list[tuple[StoryCandidate, str]]
    total: int


@dataclass(slots=True)
class _TopicView:
    ranks: array[int]  # the pool ranks of the stories under these topics, ascending
    headings: list[str]  # the topic each of them is shown under
    positions: array[int]  # pool rank -> index in `ranks`, or -1 for a story not in view

    def add(self, rank: int, heading: str) -> None:
        self.positions[rank] = len(self.ranks)
        self.ranks.append(rank)
        self.headings.append(heading)


def topic_selection(topics: Iterable[str]) -> frozenset[str] | None:
    """The known topics among a subscriber's, or None for "every topic" (also when none of
    their topics exists any more, rather than sending them nothing)."""
    chosen = frozenset(t for t in topics if t in _KNOWN_TOPICS)
    return chosen or None


def watch_key(phrase: str) -> str | None:
    """The FTS5 expression that finds a watch phrase's items (every word, in any form), or
    None when the phrase has no words (it then filters nothing)."""
    parsed = parse_query(phrase)
    return parsed.match if parsed is not None else None


class StoryPool:
    """The candidates of one window, the chats that already had some of them, and the items
    each watch phrase finds (`watch_items`: watch_key -> item ids)."""

    def __init__(
        self, candidates: list[StoryCandidate], delivered: dict[int, set[int]],
        watch_items: dict[str, set[int]] | None = None,
    ) -> None:
        self._candidates = sorted(candidates, key=lambda c: (c.latest_at, c.story_id), reverse=True)
        self._negated_latest = array("d", (-c.latest_at for c in self._candidates))
        self._rank = {c.story_id: n for n, c in enumerate(self._candidates)}
        self._known_topics = [
            tuple(t for t in c.topics if t in _KNOWN_TOPICS) for c in self._candidates
        ]
        self._delivered = delivered
        self._views: dict[frozenset[str] | None, _TopicView] = {}
        self._watch_keys: dict[str, str | None] = {}
        # (topics, watch keys) -> positions in that topic view of the stories they match
        self._watched: dict[tuple[frozenset[str] | None, frozenset[str]], array[int]] = {}
        story_of = {item: c.story_id for c in candidates for item in c.item_ids}
        self._watch: dict[str, frozenset[int]] = {
            key: frozenset(story_of[i] for i in items if i in story_of)
            for key, items in (watch_items or {}).items()
        }

    def __len__(self) -> int:
        return len(self._candidates)

    def _view(self, chosen: frozenset[str] | None) -> _TopicView:
        """The stories under `chosen` topics (None: all, with topicless ones under "other
        news"), each under its best topic among them, newest news first. Built once per
        distinct topic selection."""
        view = self._views.get(chosen)
        if view is None:
            view = _TopicView(array("i"), [], array("i", [-1]) * len(self._candidates))
            for rank, known in enumerate(self._known_topics):
                if chosen is None:
                    view.add(rank, known[0] if known else OTHER_TOPIC)
                    continue
                for topic in known:
                    if topic in chosen:
                        view.add(rank, topic)
                        break
            self._views[chosen] = view
        return view

    def _watch_key(self, phrase: str) -> str | None:
        if phrase not in self._watch_keys:
            self._watch_keys[phrase] = watch_key(phrase)
        return self._watch_keys[phrase]

    def matching(self, phrase: str) -> frozenset[int] | None:
        """Stories whose relevant items contain every word of `phrase` in some form; None
        when the phrase has no words at all (it then filters nothing)."""
        key = self._watch_key(phrase)
        if key is None:
            return None
        return self._watch.get(key, frozenset())

    def _watched_positions(self, chosen: frozenset[str] | None, keys: frozenset[str]
                           ) -> array[int]:
        """Positions (ascending) in the topic view of the stories any of `keys` matches."""
        found = self._watched.get((chosen, keys))
        if found is None:
            view = self._view(chosen)
            stories = frozenset().union(*(self._watch.get(k, frozenset()) for k in keys))
            found = array("i", sorted(
                p for s in stories if (p := view.positions[self._rank[s]]) >= 0
            ))
            self._watched[(chosen, keys)] = found
        return found

    def select(
        self, chat_id: int, topics: Iterable[str], watch_words: Iterable[str], since: float,
        limit: int,
    ) -> Selection:
        """The newest `limit` stories for one chat: with news at or after `since`, under one
        of its topics, matching one of its watch words if it has any, not yet delivered."""
        chosen_topics = topic_selection(topics)
        view = self._view(chosen_topics)
        # Stories ranked below `fresh` have news since `since`; the view's first `window` do.
        fresh = bisect_right(self._negated_latest, -since)
        window = bisect_left(view.ranks, fresh)
        delivered = self._delivered.get(chat_id, set())
        keys = frozenset(k for k in map(self._watch_key, watch_words) if k is not None)
        if keys:
            watched = self._watched_positions(chosen_topics, keys)
            positions = [
                p for p in islice(watched, bisect_right(watched, window - 1))
                if self._candidates[view.ranks[p]].story_id not in delivered
            ]
            return Selection([self._entry(view, p) for p in positions[:limit]], len(positions))
        already = 0
        for story in delivered:
            rank = self._rank.get(story)
            if rank is not None and rank < fresh and view.positions[rank] >= 0:
                already += 1
        chosen: list[tuple[StoryCandidate, str]] = []
        for p in range(window):
            if len(chosen) == limit:
                break
            candidate = self._candidates[view.ranks[p]]
            if candidate.story_id not in delivered:
                chosen.append((candidate, view.headings[p]))
        return Selection(chosen, window - already)

    def _entry(self, view: _TopicView, position: int) -> tuple[StoryCandidate, str]:
        return self._candidates[view.ranks[position]], view.headings[position]
