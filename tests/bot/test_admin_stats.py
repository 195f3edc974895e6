"""StatsStore.overview: the figures /stats shows, from a real archive file."""

from __future__ import annotations

import time

from feeds.archive import Archive
from feeds.archive.sources import save_refresh_state
from feeds.archive.subscribers import Subscriber
from tests.e2e.seed_news import news_item, store_items


async def test_an_empty_archive_has_zero_everything(archive: Archive) -> None:
    stats = await archive.stats.overview(time.time())
    assert (stats.active, stats.blocked, stats.items_24h, stats.sent_24h) == (0, 0, 0, 0)
    assert stats.last_poll_at is None and stats.subscribers_by_mode == {}
    assert stats.flood_waits_24h == 0  # the delivery log exists, and is empty


async def test_overview_counts_subscribers_feeds_items_and_deliveries(archive: Archive) -> None:
    now = time.time()
    for chat_id, language, mode in [
        (1, "ru", "daily"),
        (2, "ru", "instant"),
        (3, "kk", "daily"),
        (4, "en", "weekly"),
        (5, "en", "daily"),
    ]:
        await archive.subscribers.subscribe(
            Subscriber(chat_id=chat_id, language=language, mode=mode)
        )
    await archive.subscribers.mark_blocked(4)
    await archive.subscribers.stop(5)

    await store_items(archive, [news_item(1, "a", "b"), news_item(2, "c", "d", relevant=False)])
    old = news_item(3, "old", "old")
    old.fetched_at = now - 3 * 86400
    await store_items(archive, [old])
    source = (await archive.sources.all())[0]
    source.last_fetch_at, source.error_count = now - 60, 2
    async with archive.db.transaction() as conn:
        await save_refresh_state(conn, source)
        # The sender's delivery log, written directly: this tests the reader of it.
        await conn.executemany(
            "INSERT INTO send_log(at, chat_id, outcome) VALUES (?, ?, ?)",
            [
                (now - 10, 1, "sent"),
                (now - 20, 1, "sent"),
                (now - 30, 2, "flood"),
                (now - 2 * 86400, 1, "sent"),
                (now - 40, 3, "plain"),
            ],
        )
    await archive.sources.add("https://paused.example.kz/rss")
    await archive.sources.set_enabled(2, False)

    stats = await archive.stats.overview(now)
    assert (stats.active, stats.stopped, stats.blocked) == (3, 1, 1)
    assert stats.subscribers_by_mode == {"daily": 2, "instant": 1}
    assert stats.subscribers_by_language == {"ru": 2, "kk": 1}
    assert (stats.feeds_enabled, stats.feeds_paused, stats.feeds_failing) == (1, 1, 1)
    assert (stats.items_total, stats.items_24h, stats.kept_24h) == (3, 2, 1)
    assert stats.last_poll_at is not None and abs(stats.last_poll_at - (now - 60)) < 1
    assert (stats.sent_24h, stats.flood_waits_24h) == (2, 1)
