"""The outbox as the sender works it (feeds.archive.sending): claiming in order and at pace,
crash recovery, and what Telegram's answers do to a chat's rows."""

from __future__ import annotations

from feeds.archive import Archive
from tests.bot.digest_seed import states, subscribe


async def test_claim_takes_first_part_per_chat_in_order(archive: Archive) -> None:
    await archive.outbox.enqueue(1, "digest:a", ["a0", "a1", "a2"], now=10)
    await archive.outbox.enqueue(2, "digest:a", ["b0"], now=10)
    first = await archive.sending.claim(now=20, limit=10)
    assert sorted((m.chat_id, m.text) for m in first) == [(1, "a0"), (2, "b0")]
    assert await archive.sending.claim(now=20, limit=10) == []  # chat 1 has one in flight
    a0 = next(m for m in first if m.chat_id == 1)
    await archive.sending.mark_sent(a0, now=20, chat_next_at=21)
    assert await archive.sending.claim(now=20.5, limit=10) == []  # paced: 1 s per chat
    second = await archive.sending.claim(now=21, limit=10)
    assert [m.text for m in second] == ["a1"]
    assert await archive.sending.next_due_at() is None  # a2 waits behind a1 in flight
    await archive.sending.mark_sent(second[0], now=21, chat_next_at=22)
    assert await archive.sending.next_due_at() == 22


async def test_reset_inflight_returns_sending_rows(archive: Archive) -> None:
    await archive.outbox.enqueue(1, "k", ["x"], now=1)
    assert len(await archive.sending.claim(now=2, limit=5)) == 1
    assert await archive.sending.reset_inflight() == 1
    assert [m.text for m in await archive.sending.claim(now=2, limit=5)] == ["x"]


async def test_block_chat_drops_unsent_and_marks_blocked(archive: Archive) -> None:
    await subscribe(archive, 5)
    await archive.outbox.enqueue(5, "k1", ["p0", "p1"], now=1)
    await archive.outbox.enqueue(6, "k1", ["other"], now=1)
    assert await archive.sending.block_chat(5, now=2, reason="Forbidden: bot was blocked") == 2
    subscriber = await archive.subscribers.get(5)
    assert subscriber is not None and subscriber.status == "blocked"
    assert await states(archive, 5) == []
    assert await states(archive, 6) == [("k1", 0, "pending")]
    assert (await archive.sending.send_stats(0)).blocked == 1


async def test_migrate_chat_moves_subscriber_rows_and_records(archive: Archive) -> None:
    await subscribe(archive, -100)
    await archive.subscribers.add_watch(-100, "бюджет")
    await archive.outbox.enqueue(-100, "k", ["p0", "p1"], story_ids=[7], now=1)
    claimed = await archive.sending.claim(now=2, limit=5)
    await archive.sending.migrate_chat(-100, -1001, now=3)
    assert await archive.subscribers.get(-100) is None
    moved = await archive.subscribers.get(-1001)
    assert moved is not None and moved.chat_type == "supergroup" and moved.watch_words == ["бюджет"]
    assert await states(archive, -1001) == [("k", 0, "pending"), ("k", 1, "pending")]
    assert await archive.outbox.delivered_stories(-1001, [7]) == {7}
    again = await archive.sending.claim(now=3, limit=5)
    assert [(m.chat_id, m.text) for m in again] == [(-1001, claimed[0].text)]


async def test_failed_then_dead_keeps_the_error(archive: Archive) -> None:
    await archive.outbox.enqueue(1, "k", ["x"], now=1)
    [message] = await archive.sending.claim(now=1, limit=1)
    await archive.sending.mark_failed(message, now=2, error="502 Bad Gateway", retry_at=5)
    assert await archive.sending.claim(now=4, limit=1) == []
    [again] = await archive.sending.claim(now=5, limit=1)
    assert again.attempts == 1
    await archive.sending.mark_failed(again, now=6, error="502 Bad Gateway", retry_at=None)
    [dead] = await archive.sending.dead_since(0)
    assert (dead.chat_id, dead.attempts, dead.last_error) == (1, 2, "502 Bad Gateway")
    counts = await archive.sending.counts()
    assert (counts.dead, counts.unsent) == (1, 0)
    stats = await archive.sending.send_stats(0)
    assert (stats.retries, stats.dead) == (1, 1)


