"""The outbox: composing once per chat and period, delivery records, claiming in order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pytest

from bot.digest import Digest, DigestBatch, prepare_digests
from bot.outbox import (
    PreparedDigests,
    due_digest,
    enqueue_all_digests,
    enqueue_due_digests,
    enqueue_instant_news,
)
from feeds.archive import Archive
from feeds.archive.items import insert_new_items
from feeds.archive.outbox import NewMessage
from feeds.archive.stories import assign_stories
from feeds.archive.subscribers import Subscriber
from feeds.models import Item, Verdict
from feeds.textnorm import stem_text
from tests.bot.digest_seed import News, seed, states, subscribe

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)  # 09:00 in Almaty (UTC+5)


async def add_story(archive: Archive, title: str, published_at: float) -> int:
    """One more relevant story, published at `published_at` (a later poll's news)."""
    source, _ = await archive.sources.add("https://feeds.example.kz/later.xml", title="Later")
    assert source.id is not None
    url = f"https://news.example.kz/later/{published_at}"
    item = Item(
        source_id=source.id, guid=url, url=url, canonical_url=url, title=title, text="",
        language="ru", published_at=published_at, fetched_at=published_at,
        content_hash=url, verdict=Verdict(relevant=True, score=1.0, topics=["ngo_civil_society"]),
    )
    async with archive.db.transaction() as conn:
        stored = await insert_new_items(conn, [item], [(stem_text(title, "ru"), "")])
        await assign_stories(conn, stored)
    assert stored[0].story_id is not None
    return stored[0].story_id


# ---- due_digest: time zones and weekly days at the edges --------------------------------

DUE_CASES = [
    # (what, settings, now UTC, expected key or None)
    ("daily at 9 Almaty, 08:59 local", {"hour": 9}, datetime(2026, 11, 28, 3, 59, tzinfo=UTC), None),
    ("daily at 9 Almaty, 09:00 local", {"hour": 9}, datetime(2026, 11, 28, 4, 0, tzinfo=UTC), "digest:2026-11-28"),
    ("daily at 9 Almaty, 23:59 local", {"hour": 9}, datetime(2026, 11, 28, 18, 59, tzinfo=UTC), "digest:2026-11-28"),
    ("local day is already tomorrow", {"hour": 0}, datetime(2026, 11, 28, 19, 0, tzinfo=UTC), "digest:2026-11-29"),
    ("New York is a day behind", {"hour": 20, "timezone": "America/New_York"},
     datetime(2026, 11, 29, 1, 30, tzinfo=UTC), "digest:2026-11-28"),
    ("New York before its hour", {"hour": 21, "timezone": "America/New_York"},
     datetime(2026, 11, 29, 1, 30, tzinfo=UTC), None),
    ("unknown zone falls back to the default", {"hour": 9, "timezone": "Mars/Olympus"},
     datetime(2026, 11, 28, 4, 0, tzinfo=UTC), "digest:2026-11-28"),
    ("weekly Saturday, on Saturday after the hour", {"mode": "weekly", "weekday": 5, "hour": 9},
     datetime(2026, 11, 28, 4, 0, tzinfo=UTC), "weekly:2026-W48"),
    ("weekly Saturday, on Saturday before the hour", {"mode": "weekly", "weekday": 5, "hour": 10},
     datetime(2026, 11, 28, 4, 0, tzinfo=UTC), None),
    ("weekly Monday, later that week (missed)", {"mode": "weekly", "weekday": 0, "hour": 9},
     datetime(2026, 11, 28, 4, 0, tzinfo=UTC), "weekly:2026-W48"),
    ("weekly Sunday, Saturday is before it", {"mode": "weekly", "weekday": 6, "hour": 9},
     datetime(2026, 11, 28, 4, 0, tzinfo=UTC), "weekly:2026-W47"),
    ("weekly across the year end", {"mode": "weekly", "weekday": 3, "hour": 9},
     datetime(2026, 12, 31, 4, 0, tzinfo=UTC), "weekly:2026-W53"),
    ("weekly Monday 00:00 local is Sunday in UTC", {"mode": "weekly", "weekday": 0, "hour": 0},
     datetime(2026, 11, 29, 19, 0, tzinfo=UTC), "weekly:2026-W49"),
    ("instant is not a digest", {"mode": "instant"}, datetime(2026, 11, 28, 4, 0, tzinfo=UTC), None),
    ("off is not a digest", {"mode": "off"}, datetime(2026, 11, 28, 4, 0, tzinfo=UTC), None),
    ("stopped gets nothing", {"status": "stopped"}, datetime(2026, 11, 28, 4, 0, tzinfo=UTC), None),
]


@pytest.mark.parametrize(("what", "settings", "now", "expected"), DUE_CASES, ids=[c[0] for c in DUE_CASES])
def test_due_digest(what: str, settings: dict[str, object], now: datetime, expected: str | None) -> None:
    subscriber = Subscriber(chat_id=1, **settings)  # type: ignore[arg-type]
    due = due_digest(subscriber, now, "Asia/Almaty")
    assert (due.key if due else None) == expected, what


def test_a_period_already_served_is_not_due_again() -> None:
    served_at = datetime(2026, 11, 28, 4, 5, tzinfo=UTC).timestamp()
    subscriber = Subscriber(chat_id=1, hour=9, last_digest_at=served_at)
    assert due_digest(subscriber, datetime(2026, 11, 28, 10, 0, tzinfo=UTC), "Asia/Almaty") is None
    # ...and the next local day is due again.
    next_day = due_digest(subscriber, datetime(2026, 11, 29, 4, 0, tzinfo=UTC), "Asia/Almaty")
    assert next_day is not None and next_day.key == "digest:2026-11-29"


def test_daylight_saving_gap_hour_still_due() -> None:
    # 02:00 does not exist in New York on 2026-03-08; the digest goes once the clock passes it.
    subscriber = Subscriber(chat_id=1, hour=2, timezone="America/New_York")
    before = due_digest(subscriber, datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "Asia/Almaty")
    after = due_digest(subscriber, datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "Asia/Almaty")
    assert before is None
    assert after is not None and after.key == "digest:2026-03-08"


# ---- the tick ---------------------------------------------------------------------------


async def test_tick_twice_in_a_minute_composes_once(archive: Archive) -> None:
    story_ids = await seed(archive, [News("НКО получили гранты"), News("Общественный совет")],
                           NOW.timestamp())
    await subscribe(archive, 101)
    await subscribe(archive, 102, hour=10)  # not yet due
    calls: list[list[int]] = []

    async def counting(a: Archive, subscribers: list[Subscriber], now: datetime) -> DigestBatch:
        calls.append([s.chat_id for s in subscribers])
        return await prepare_digests(a, subscribers, now)

    first = await enqueue_due_digests(archive, NOW, prepare=counting)
    second = await enqueue_due_digests(archive, NOW.replace(second=30), prepare=counting)

    assert (first.due, first.composed) == (1, 1)
    assert (second.due, second.composed) == (0, 0)  # last_digest_at marks the period served
    assert calls == [[101]]
    assert [key for key, _, _ in await states(archive, 101)] == ["digest:2026-11-28"]
    assert await states(archive, 102) == []
    # The stories are recorded for the chat, and last_digest_at, in the same transaction.
    assert await archive.outbox.delivered_stories(101, story_ids) == set(story_ids)
    subscriber = await archive.subscribers.get(101)
    assert subscriber is not None and subscriber.last_digest_at == NOW.timestamp()


async def test_existing_key_is_not_composed_again(archive: Archive) -> None:
    await seed(archive, [News("НКО получили гранты")], NOW.timestamp())
    await subscribe(archive, 101)
    # A digest for this period was written, but last_digest_at was not (an older build).
    assert await archive.outbox.enqueue(101, "digest:2026-11-28", ["<b>earlier</b>"])
    calls = []

    async def counting(a: Archive, subscribers: list[Subscriber], now: datetime) -> DigestBatch:
        calls.append(subscribers)
        return await prepare_digests(a, subscribers, now)

    report = await enqueue_due_digests(archive, NOW, prepare=counting)
    assert (report.due, report.already, report.composed) == (1, 1, 0)
    assert calls == []


async def test_one_read_for_the_tick_and_one_transaction_per_chunk(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.outbox.COMPOSE_CHUNK", 2)
    await seed(archive, [News("НКО получили гранты")], NOW.timestamp())
    chats = [101, 102, 103, 104, 105]  # three chunks, the last of one chat
    for chat_id in chats:
        await subscribe(archive, chat_id)
    prepared: list[int] = []
    chunks: list[list[int]] = []
    written: list[int] = []

    class Recording:
        def __init__(self, batch: PreparedDigests) -> None:
            self.batch = batch

        def compose(self, subscribers: Iterable[Subscriber]) -> dict[int, Digest]:
            chunk = list(subscribers)
            chunks.append([s.chat_id for s in chunk])
            return self.batch.compose(chunk)

    async def recording(a: Archive, subscribers: list[Subscriber], now: datetime) -> Recording:
        prepared.append(len(subscribers))
        return Recording(await prepare_digests(a, subscribers, now))

    def on_written() -> None:
        written.append(len(chunks))

    report = await enqueue_due_digests(archive, NOW, prepare=recording, on_written=on_written)

    assert prepared == [len(chats)]  # the archive is read once for the whole tick
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [c for chunk in chunks for c in chunk] == chats
    assert written == [1, 2, 3]  # the sender is woken after each chunk is stored
    assert (report.due, report.composed, report.empty) == (len(chats), len(chats), 0)
    again = await enqueue_all_digests(archive, NOW, prepare=recording)
    assert again.composed == 0  # every story reached every chat once


async def test_no_story_twice_between_digest_and_deliver_all(archive: Archive) -> None:
    await seed(archive, [News("НКО получили гранты")], NOW.timestamp())
    await subscribe(archive, 101)
    assert (await enqueue_due_digests(archive, NOW)).composed == 1
    later = NOW.replace(hour=6)
    assert (await enqueue_all_digests(archive, later)).composed == 0  # nothing unsent left
    await add_story(archive, "Закон о волонтерстве", later.timestamp() - 1800)
    report = await enqueue_all_digests(archive, later)
    assert report.composed == 1
    keys = [key for key, _, _ in await states(archive, 101)]
    assert keys == ["digest:2026-11-28", "now:2026-11-28T06:00"]


async def test_instant_and_watch_words_get_news_once(archive: Archive) -> None:
    now = NOW.timestamp()
    ids = await seed(archive, [News("Гранты для НКО", hours_ago=0.1),
                               News("Выборы в маслихат", topics=["elections"], hours_ago=0.1)], now)
    await subscribe(archive, 201, mode="instant")
    await subscribe(archive, 202)  # daily, with a watch word
    await archive.subscribers.add_watch(202, "маслихат")
    await subscribe(archive, 203)  # daily, no watch words: waits for the digest

    assert await enqueue_instant_news(archive, NOW, now - 3600) == 2
    assert await archive.outbox.delivered_stories(201, ids) == set(ids)
    assert await archive.outbox.delivered_stories(202, ids) == {ids[1]}
    assert await states(archive, 203) == []
    # The next poll brings nothing new for them: nothing is written twice.
    assert await enqueue_instant_news(archive, NOW.replace(minute=15), now - 3600) == 0


async def test_news_reaching_a_chat_mid_tick_is_not_repeated_in_its_digest(
    archive: Archive,
) -> None:
    now = NOW.timestamp()
    budget, election = await seed(
        archive, [News("Маслихат утвердил бюджет", hours_ago=3),
                  News("Выборы в маслихат", topics=["elections"], hours_ago=0.1)], now)
    await subscribe(archive, 101)  # daily at 09:00, with a watch word both stories match
    await archive.subscribers.add_watch(101, "маслихат")
    reads: list[list[int]] = []

    async def poll_lands_meanwhile(
        a: Archive, subscribers: list[Subscriber], at: datetime
    ) -> DigestBatch:
        reads.append([s.chat_id for s in subscribers])
        batch = await prepare_digests(a, subscribers, at)
        if len(reads) == 1:  # after the tick's read, a poll sends the newer story at once
            assert await enqueue_instant_news(a, at, now - 3600) == 1
        return batch

    report = await enqueue_due_digests(archive, NOW, prepare=poll_lands_meanwhile)

    assert report.composed == 1
    assert reads == [[101], [101]]  # the chat was composed again from a fresh read
    cursor = await archive.db.reader.execute(
        "SELECT via, story_ids FROM outbox WHERE chat_id = 101 ORDER BY id"
    )
    assert [(row[0], row[1]) for row in await cursor.fetchall()] == [
        ("watch", f"[{election}]"), ("digest", f"[{budget}]")
    ]


async def test_enqueue_many_leaves_out_messages_repeating_a_delivered_story(
    archive: Archive,
) -> None:
    await subscribe(archive, 1)
    await subscribe(archive, 2)
    assert await archive.outbox.enqueue(1, "watch:1", ["news"], story_ids=[7], via="watch")
    repeating = NewMessage(1, "digest:a", ["a"], [8, 7])
    result = await archive.outbox.enqueue_many(
        [repeating, NewMessage(2, "digest:a", ["b"], [7]), NewMessage(3, "k", ["c"])]
    )
    assert (result.written, result.outdated) == (2, [repeating])
    assert await states(archive, 1) == [("watch:1", 0, "pending")]
    assert await archive.outbox.delivered_stories(1, [7, 8]) == {7}  # 8 not taken either
    assert await archive.outbox.delivered_stories(2, [7]) == {7}


async def test_enqueue_needs_parts(archive: Archive) -> None:
    with pytest.raises(ValueError, match="at least one part"):
        await archive.outbox.enqueue(1, "k", [])


async def test_enqueue_many_writes_each_chat_and_key_once(archive: Archive) -> None:
    await subscribe(archive, 1)
    assert await archive.outbox.enqueue(1, "digest:a", ["earlier"], now=1)
    batch = [
        NewMessage(1, "digest:a", ["again"], [7]),  # in the outbox already
        NewMessage(1, "digest:b", ["b0", "b1"], [8, 9], digest_at=5.0),
        NewMessage(2, "digest:b", ["c0"], [8]),
        NewMessage(2, "digest:b", ["twice in one batch"], [10]),
    ]
    assert (await archive.outbox.enqueue_many(batch, now=2)).written == 2
    assert await states(archive, 1) == [
        ("digest:a", 0, "pending"), ("digest:b", 0, "pending"), ("digest:b", 1, "pending")
    ]
    assert await states(archive, 2) == [("digest:b", 0, "pending")]
    assert await archive.outbox.delivered_stories(1, [7, 8, 9]) == {8, 9}
    assert await archive.outbox.delivered_stories(2, [8, 10]) == {8}
    subscriber = await archive.subscribers.get(1)
    assert subscriber is not None and subscriber.last_digest_at == 5.0
    with pytest.raises(ValueError, match="at least one part"):
        await archive.outbox.enqueue_many([NewMessage(3, "k", ["x"]), NewMessage(3, "l", [])])
    assert await states(archive, 3) == []  # nothing of a refused batch is written
