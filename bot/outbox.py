"""Putting messages into the outbox: digests when they are due, instant and watch-word news.

Every message gets a key per chat and period (`digest:2026-11-28`, `weekly:2026-W48`,
`instant:<story>`), and the outbox writes a key once, so running the tick twice composes and
sends a digest once. Keys already present are skipped before composing, so a repeated tick
costs a query, not a composition. The stories of a message are recorded as delivered to the
chat in the same transaction, so no story reaches a chat twice by any route.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.digest import Digest, prepare_digests
from feeds.archive import Archive
from feeds.archive.outbox import NewMessage
from feeds.archive.subscribers import Subscriber

log = logging.getLogger(__name__)


class PreparedDigests(Protocol):
    """The digests of known subscribers at one moment, read for and ready to compose."""

    def compose(self, subscribers: Iterable[Subscriber]) -> dict[int, Digest]:
        """{chat_id: Digest} for any of the prepared subscribers (no key: no news)."""
        ...


# Reads once what the digests of many subscribers at one moment need (bot.digest's
# `prepare_digests`); the outbox then composes them chunk by chunk at no further read.
DigestPreparer = Callable[[Archive, list[Subscriber], datetime], Awaitable[PreparedDigests]]

DIGEST_MODES = ("daily", "weekly")
COMPOSE_CHUNK = 500  # subscribers composed and written per transaction
# Instant news reaches back at most this far (a poll after a long pause sends no old news).
INSTANT_LOOKBACK_SECONDS = 24 * 3600
# Times a message is composed again when news reached its chat while it was being composed.
RECOMPOSE_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class DueDigest:
    """A subscriber whose digest is due, the period's key and when the period began."""

    subscriber: Subscriber
    key: str
    scheduled_at: datetime


@dataclass(frozen=True, slots=True)
class TickReport:
    due: int  # subscribers whose digest period has come
    already: int  # of those, composed before (an earlier tick)
    composed: int  # digests written to the outbox now
    empty: int  # no news for them this time


def _zone(name: str, fallback: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r of a subscriber; using %s", name, fallback)
        return ZoneInfo(fallback)


def due_digest(subscriber: Subscriber, now: datetime, default_timezone: str) -> DueDigest | None:
    """The subscriber's current digest period if it has begun, else None.

    A daily digest's period begins at the subscriber's hour on each local day; a weekly one
    at that hour on their weekday of each ISO week. A period stays due until its digest is
    composed (a bot that was down at 09:00 still sends at 09:40), and a period that began
    before the subscriber's last digest is over.
    """
    if not subscriber.active or subscriber.mode not in DIGEST_MODES:
        return None
    local = now.astimezone(_zone(subscriber.timezone, default_timezone))
    day = local.date()
    if subscriber.mode == "weekly":
        day -= timedelta(days=(local.weekday() - subscriber.weekday) % 7)
        year, week, _ = day.isocalendar()
        key = f"weekly:{year}-W{week:02d}"
    else:
        key = f"digest:{day.isoformat()}"
    begins = datetime.combine(day, time(subscriber.hour), tzinfo=local.tzinfo)
    if local < begins:
        return None
    if subscriber.last_digest_at is not None and subscriber.last_digest_at >= begins.timestamp():
        return None
    return DueDigest(subscriber, key, begins)


async def enqueue_due_digests(
    archive: Archive,
    now: datetime,
    *,
    default_timezone: str = "Asia/Almaty",
    prepare: DigestPreparer = prepare_digests,
    on_written: Callable[[], None] | None = None,
) -> TickReport:
    """The digest tick: compose and enqueue every digest whose period has begun.

    `on_written` is called after each batch is stored (to wake the sender).
    """
    candidates = await archive.outbox.digest_candidates(DIGEST_MODES)
    due = [d for s in candidates if (d := due_digest(s, now, default_timezone)) is not None]
    return await _enqueue(archive, now, due, prepare, on_written)


async def enqueue_all_digests(
    archive: Archive,
    now: datetime,
    *,
    prepare: DigestPreparer = prepare_digests,
    on_written: Callable[[], None] | None = None,
) -> TickReport:
    """`deliver --all`: every active subscriber (but those who turned digests off) gets a
    digest of their unsent news now, whatever their schedule."""
    subscribers = await archive.outbox.digest_candidates(("daily", "weekly", "instant"))
    key = f"now:{now.astimezone(ZoneInfo('UTC')).strftime('%Y-%m-%dT%H:%M')}"
    due = [DueDigest(s, key, now) for s in subscribers]
    return await _enqueue(archive, now, due, prepare, on_written)


async def _enqueue(
    archive: Archive,
    now: datetime,
    due: Sequence[DueDigest],
    prepare: DigestPreparer,
    on_written: Callable[[], None] | None = None,
) -> TickReport:
    existing = await archive.outbox.existing_keys((d.subscriber.chat_id, d.key) for d in due)
    todo = [d for d in due if (d.subscriber.chat_id, d.key) not in existing]
    composed = 0
    if todo:
        # One read of the archive for the whole tick, then chunks: the first digests can be
        # on their way while the rest are being composed, and each chunk is one transaction
        # rather than one per subscriber.
        batch = await prepare(archive, [d.subscriber for d in todo], now)
        for start in range(0, len(todo), COMPOSE_CHUNK):
            chunk = todo[start : start + COMPOSE_CHUNK]
            written = await _write_chunk(archive, batch, chunk, now, prepare)
            composed += written
            if written and on_written is not None:
                on_written()
    report = TickReport(len(due), len(due) - len(todo), composed, len(todo) - composed)
    if report.due:
        log.info(
            "digest tick: %d due, %d composed before, %d composed now, %d without news",
            report.due, report.already, report.composed, report.empty,
        )
    return report


def _digest_messages(
    batch: PreparedDigests, chunk: Sequence[DueDigest], now: datetime
) -> list[NewMessage]:
    digests = batch.compose(d.subscriber for d in chunk)
    return [
        NewMessage(entry.subscriber.chat_id, entry.key, digest.parts, digest.story_ids,
                   "digest", digest_at=now.timestamp())
        for entry in chunk
        if (digest := digests.get(entry.subscriber.chat_id)) is not None and digest.parts
    ]


async def _write_chunk(
    archive: Archive,
    batch: PreparedDigests,
    chunk: Sequence[DueDigest],
    now: datetime,
    prepare: DigestPreparer,
) -> int:
    """Compose a chunk's digests and write them in one transaction; how many were new.

    The batch was read at the start of the tick: a poll finishing since may have sent some
    of these chats a story at once (instant or watch-word news). The outbox leaves out a
    digest that would repeat one, and those chats are composed again from a fresh read.
    """

    async def recompose(chats: set[int]) -> list[NewMessage]:
        again = [d for d in chunk if d.subscriber.chat_id in chats]
        return _digest_messages(await prepare(archive, [d.subscriber for d in again], now),
                                again, now)

    written, left = await _write_fresh(archive, now, _digest_messages(batch, chunk, now),
                                       recompose)
    if left:
        log.warning("%d digests left for the next tick: news kept reaching their chats", left)
    return written


async def _write_fresh(
    archive: Archive,
    now: datetime,
    messages: list[NewMessage],
    recompose: Callable[[set[int]], Awaitable[list[NewMessage]]],
) -> tuple[int, int]:
    """Write `messages`; the chats whose message a story already delivered meanwhile are
    composed again (`recompose`) and written, up to `RECOMPOSE_ATTEMPTS` writes in all.
    Returns (messages written, chats still left out)."""
    written = 0
    for attempt in range(1, RECOMPOSE_ATTEMPTS + 1):
        if not messages:
            break
        result = await archive.outbox.enqueue_many(messages, now=now.timestamp())
        written += result.written
        outdated = {m.chat_id for m in result.outdated}
        if not outdated or attempt == RECOMPOSE_ATTEMPTS:
            return written, len(outdated)
        messages = await recompose(outdated)
    return written, 0


async def enqueue_instant_news(
    archive: Archive,
    now: datetime,
    since: float,
    *,
    prepare: DigestPreparer = prepare_digests,
) -> int:
    """After a poll: news published since `since` goes at once to instant subscribers (in
    their topics) and to every digest subscriber whose watch words it matches.

    Stories a chat already has are left out by the composer, and the outbox records the new
    ones as delivered, so neither route nor a later digest repeats a story. Returns how many
    messages were written.
    """
    since = max(since, now.timestamp() - INSTANT_LOOKBACK_SECONDS)
    subscribers = await archive.outbox.digest_candidates(("instant", *DIGEST_MODES))
    recipients = [s for s in subscribers if s.mode == "instant" or s.watch_words]
    # The composer starts a digest at the subscriber's last digest; here the window is the
    # poll's news, so it is handed in that way (the stored subscriber is not touched).
    windowed = [replace(s, last_digest_at=since) for s in recipients]

    async def compose(chats: set[int] | None = None) -> list[NewMessage]:
        wanted = [s for s in windowed if chats is None or s.chat_id in chats]
        if not wanted:
            return []
        digests = (await prepare(archive, wanted, now)).compose(wanted)
        return _news_messages(wanted, digests, now)

    written, left = await _write_fresh(archive, now, await compose(), compose)
    if left:
        log.warning("news for %d chats left for the next poll: other messages kept taking"
                    " their stories", left)
    if written:
        log.info("%d chats get news at once (instant mode or watch words)", written)
    return written


def _news_messages(
    subscribers: Sequence[Subscriber], digests: dict[int, Digest], now: datetime
) -> list[NewMessage]:
    stamp = int(now.timestamp())
    messages = []
    for subscriber in subscribers:
        digest = digests.get(subscriber.chat_id)
        if digest is None or not digest.parts:
            continue
        via = "instant" if subscriber.mode == "instant" else "watch"
        first = digest.story_ids[0] if digest.story_ids else 0
        messages.append(NewMessage(subscriber.chat_id, f"{via}:{stamp}:{first}", digest.parts,
                                   digest.story_ids, via))
    return messages
