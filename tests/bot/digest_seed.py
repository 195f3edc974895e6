"""Building archives for digest tests: feeds, classified items and their stories."""

from __future__ import annotations

from dataclasses import dataclass, field

from feeds.archive import Archive
from feeds.archive.items import insert_new_items
from feeds.archive.stories import assign_stories
from feeds.archive.subscribers import Subscriber
from feeds.models import Item, Verdict
from feeds.textnorm import stem_text


@dataclass
class News:
    """One item to store: a title, its topics, and how long before `now` it came out."""

    title: str
    topics: list[str] = field(default_factory=lambda: ["ngo_civil_society"])
    hours_ago: float = 1.0
    source: str = "Первая лента"
    summary: str | None = None
    text: str = ""
    language: str = "ru"
    relevant: bool = True


async def seed(archive: Archive, news: list[News], now: float) -> list[int]:
    """Store `news` (each its own story, as before story matching); returns the story ids."""
    story_ids = []
    for number, entry in enumerate(news):
        source, _ = await archive.sources.add(
            f"https://feeds.example.kz/{abs(hash(entry.source))}.xml", title=entry.source
        )
        assert source.id is not None
        item = Item(
            source_id=source.id, guid=f"guid-{number}-{entry.title}",
            url=f"https://news.example.kz/{number}", canonical_url=f"https://news.example.kz/{number}",
            title=entry.title, text=entry.text, language=entry.language,
            published_at=now - entry.hours_ago * 3600, fetched_at=now,
            content_hash=f"hash-{number}", summary=entry.summary,
            verdict=Verdict(relevant=entry.relevant, score=1.0, topics=entry.topics),
        )
        async with archive.db.transaction() as conn:
            stored = await insert_new_items(
                conn, [item], [(stem_text(item.title, item.language),
                                stem_text(item.text, item.language))]
            )
            await assign_stories(conn, stored)
        assert stored and stored[0].story_id is not None
        story_ids.append(stored[0].story_id)
    return story_ids


_SYLLABLES = ("ба", "ве", "ги", "до", "жу", "зы", "ка", "ле", "ми", "но", "пу", "ры", "са", "те")


def distinct_title(n: int) -> str:
    """A headline sharing no word with any other n's, so story matching never merges them."""
    words = []
    for k in range(3):
        value, word = n * 3 + k, ""
        for _ in range(3):
            value, rest = divmod(value, len(_SYLLABLES))
            word += _SYLLABLES[rest]
        words.append(word)
    return " ".join(words).capitalize()


async def subscribe(archive: Archive, chat_id: int, **settings: object) -> Subscriber:
    subscriber, _ = await archive.subscribers.subscribe(Subscriber(chat_id=chat_id))
    if settings:
        updated = await archive.subscribers.update(chat_id, **settings)
        assert updated is not None
        return updated
    return subscriber


async def states(archive: Archive, chat_id: int) -> list[tuple[str, int, str]]:
    cursor = await archive.db.reader.execute(
        "SELECT dedup_key, part, state FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
    )
    return [(row[0], row[1], row[2]) for row in await cursor.fetchall()]
