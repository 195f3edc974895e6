"""Choosing each subscriber's stories from the shared pool, against a plain reference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digest_select import Selection, StoryPool, topic_selection, watch_key
from bot.digest_text import OTHER_TOPIC
from feeds.archive.digests import StoryCandidate
from feeds.models import TOPICS

PHRASES = ("грант", "закон суд", "council", "!!!")  # the last has no words: filters nothing
TOPIC_CHOICES = (*TOPICS[:3], "retired_topic")  # a few known topics and one no longer known


def reference(
    candidates: list[StoryCandidate], delivered: dict[int, set[int]],
    watch_items: dict[str, set[int]], chat_id: int, topics: list[str], words: list[str],
    since: float, limit: int,
) -> Selection:
    """The selection spelled out: newest news first, under the first chosen known topic."""
    chosen = topic_selection(topics)
    entries = []
    for candidate in sorted(candidates, key=lambda c: (c.latest_at, c.story_id), reverse=True):
        known = [t for t in candidate.topics if t in TOPICS]
        if chosen is None:
            entries.append((candidate, known[0] if known else OTHER_TOPIC))
        elif (topic := next((t for t in known if t in chosen), None)) is not None:
            entries.append((candidate, topic))
    entries = [e for e in entries if e[0].latest_at >= since]
    keys = {k for w in words if (k := watch_key(w)) is not None}
    if keys:
        items = set().union(*(watch_items.get(k, set()) for k in keys))
        entries = [e for e in entries if items & set(e[0].item_ids)]
    fresh = [e for e in entries if e[0].story_id not in delivered.get(chat_id, set())]
    return Selection(fresh[:limit], len(fresh))


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[StoryCandidate], dict[int, set[int]], dict[str, set[int]]]:
    count = draw(st.integers(0, 25))
    candidates = [
        StoryCandidate(
            story_id=story_id, item_id=story_id * 10, title=f"story {story_id}", url="",
            summary=None, language="ru", source="", published_at=0.0,
            latest_at=float(draw(st.integers(0, 6))),  # few distinct times: ties on purpose
            topics=draw(st.lists(st.sampled_from(TOPIC_CHOICES), max_size=3, unique=True)),
            item_ids=[story_id * 10, story_id * 10 + 1],
        )
        for story_id in draw(st.lists(st.integers(-50, 50), min_size=count, max_size=count,
                                      unique=True))
    ]
    story_ids = [c.story_id for c in candidates] or [0]
    delivered = {
        chat: set(draw(st.lists(st.sampled_from(story_ids), max_size=8)))
        for chat in draw(st.lists(st.integers(1, 4), max_size=4, unique=True))
    }
    item_ids = [i for c in candidates for i in c.item_ids] or [0]
    watch_items = {
        key: set(draw(st.lists(st.sampled_from(item_ids), max_size=6)))
        for phrase in PHRASES[:3] if (key := watch_key(phrase)) is not None
    }
    return candidates, delivered, watch_items


subscribers = st.tuples(
    st.integers(1, 5),  # chat id
    st.lists(st.sampled_from(TOPIC_CHOICES), max_size=3, unique=True),
    st.lists(st.sampled_from(PHRASES), max_size=2, unique=True),
    st.integers(-1, 7).map(float),  # since
    st.integers(0, 6),  # limit
)


@settings(max_examples=300, deadline=None)
@given(pools(), st.lists(subscribers, min_size=1, max_size=6))
def test_select_matches_the_reference(
    pool: tuple[list[StoryCandidate], dict[int, set[int]], dict[str, set[int]]],
    asks: list[tuple[int, list[str], list[str], float, int]],
) -> None:
    candidates, delivered, watch_items = pool
    shared = StoryPool(candidates, delivered, watch_items)
    # One pool serves many subscribers: the views and caches it builds must not leak.
    for chat_id, topics, words, since, limit in asks:
        got = shared.select(chat_id, topics, words, since, limit)
        expected = reference(candidates, delivered, watch_items, chat_id, topics, words,
                             since, limit)
        assert [(c.story_id, t) for c, t in got.stories] == [
            (c.story_id, t) for c, t in expected.stories
        ]
        assert got.total == expected.total
