"""Digest composing time: 10,000 digests from an archive of 50,000 items.

Goal (issue 4): under 10 s for all 10,000, so that composing never slows delivery. The
figure is the wall time of the digest tick as the bot runs it, `enqueue_due_digests`
(`--path outbox`, the default): the due subscribers read from the archive, one read of the
news, then selection, layout and HTML splitting, and the digests written to the outbox one
transaction per chunk of 500. `--path call` times one `compose_digests` call instead
(composing alone, nothing written), and with `--chunk N` one call per N subscribers. Each
figure is printed with its ratio to the goal, the load average, and the peak resident
memory of the measured phase.

The archive is generated: items spread over a week, about 30% relevant, titles and
summaries of realistic length built from the words of the labeled dev items (read in place
from ../shared/data, never copied) or a small built-in vocabulary when that is absent.
Subscribers vary in topics, language, time zone, watch words, last digest and in stories
their chat already had.

Each run works on a copy of the archive (built once at `--keep PATH`, or in a temporary
folder), so the outbox is empty and every digest is due at the start of every run.

Usage: python -m bench.compose [--items 50000] [--subscribers 10000] [--keep PATH]
                               [--path outbox|call] [--chunk N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench._common import dev_items, machine, today
from bot.digest import Digest, compose_digests
from bot.outbox import enqueue_due_digests
from feeds.archive import Archive, connect_archive
from feeds.archive.digests import record_deliveries
from feeds.archive.items import insert_new_items
from feeds.archive.subscribers import Subscriber
from feeds.models import TOPICS, Item, Verdict
from feeds.textnorm import stem_text

GOAL_SECONDS = 10.0
WEEK = 7 * 24 * 3600
FALLBACK_WORDS = (
    "общественный совет провел заседание некоммерческих организаций государственный "
    "социальный заказ гранты волонтеры благотворительный фонд права человека закон проект "
    "парламент мажилис үкіметтік емес ұйымдар азаматтық қоғам қайырымдылық еріктілер заң "
    "жобасы құрылтай civil society organizations grants human rights law parliament"
).split()
WATCH_WORDS = ("грант", "волонтер", "закон", "суд", "ұйым", "фонд", "council", "выборы")
ZONES = ("Asia/Almaty", "Asia/Almaty", "Asia/Almaty", "Asia/Aqtobe", "Europe/Berlin", "UTC")


def _words() -> list[str]:
    words: list[str] = []
    for record in dev_items():
        words.extend(str(record.get("title", "")).split())
        words.extend(str(record.get("summary", "")).split())
    return words if len(words) >= 2000 else FALLBACK_WORDS * 100


def _phrase(words: list[str], rng: random.Random, low: int, high: int) -> str:
    start = rng.randrange(len(words) - high)
    return " ".join(words[start : start + rng.randint(low, high)])


def _item(n: int, now: float, words: list[str], rng: random.Random) -> Item:
    relevant = rng.random() < 0.3
    topics = rng.sample(TOPICS, rng.choice((1, 1, 1, 2, 2, 3))) if relevant else []
    summary = _phrase(words, rng, 25, 40) + "." if rng.random() < 0.8 else None
    return Item(
        source_id=1 + n % 40, guid=f"g{n}", url=f"https://outlet{n % 40}.kz/news/{n}",
        canonical_url=f"https://outlet{n % 40}.kz/news/{n}",
        title=_phrase(words, rng, 7, 14), text=_phrase(words, rng, 60, 160),
        language="kk" if n % 4 == 0 else "ru", published_at=now - rng.random() * WEEK,
        fetched_at=now, content_hash=f"h{n}", summary=summary,
        verdict=Verdict(relevant=relevant, score=1.0 if relevant else 0.0, topics=topics),
    )


def _stems(items: list[Item]) -> list[tuple[str, str]]:
    return [(stem_text(i.title, i.language), stem_text(i.text, i.language)) for i in items]


async def _fill(archive: Archive, count: int, now: float) -> None:
    words = _words()
    rng = random.Random(4)
    for n in range(40):
        await archive.sources.add(f"https://outlet{n}.kz/rss", title=f"Outlet {n} news")
    batch = 5000
    for first in range(0, count, batch):
        items = [_item(first + k, now, words, rng) for k in range(min(batch, count - first))]
        stems = await asyncio.to_thread(_stems, items)
        async with archive.db.transaction() as conn:
            # Story matching is left out: its cost belongs to polling, not to composing, and
            # items without a story are composed as stories of their own (keyed by -id).
            await insert_new_items(conn, items, stems)


def _subscribers(count: int, now: datetime) -> list[Subscriber]:
    """Every one due at `now`: the hour is midnight, a weekly one's day is today (local)."""
    rng = random.Random(9)
    stamp = now.timestamp()
    subscribers = []
    for chat_id in range(1, count + 1):
        roll = rng.random()
        zone = rng.choice(ZONES)
        # a fifth never had a digest, a tenth are weekly, the rest daily
        last = None if roll < 0.2 else stamp - WEEK if roll < 0.3 else stamp - 86400 - rng.random() * 600
        subscribers.append(Subscriber(
            chat_id=chat_id,
            language=rng.choice(("ru", "ru", "ru", "kk", "kk", "en")),
            timezone=zone,
            mode="weekly" if 0.2 <= roll < 0.3 else "daily",
            hour=0,
            weekday=now.astimezone(ZoneInfo(zone)).weekday(),
            topics=[] if rng.random() < 0.6 else rng.sample(TOPICS, rng.randint(1, 3)),
            watch_words=rng.sample(WATCH_WORDS, rng.randint(1, 3)) if rng.random() < 0.1 else [],
            last_digest_at=last,
        ))
    return subscribers


async def _store(archive: Archive, subscribers: list[Subscriber], now: float) -> None:
    """The subscribers and their watch words as /start and /watch would leave them."""
    async with archive.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO subscribers(chat_id, language, timezone, mode, hour, weekday, topics,"
            " created_at, updated_at, last_digest_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(s.chat_id, s.language, s.timezone, s.mode, s.hour, s.weekday,
              json.dumps(s.topics), now, now, s.last_digest_at) for s in subscribers],
        )
        await conn.executemany(
            "INSERT INTO watch_words(chat_id, phrase, created_at) VALUES (?,?,?)",
            [(s.chat_id, phrase, now) for s in subscribers for phrase in s.watch_words],
        )


async def _deliver_some(archive: Archive, subscribers: list[Subscriber], now: float) -> int:
    """A third of the chats already had a few of the day's stories (instant or watch)."""
    rng = random.Random(5)
    day = [c.story_id for c in await archive.digests.candidates(now - 86400)]
    recorded = 0
    async with archive.db.transaction() as conn:
        for subscriber in subscribers[::3]:
            chosen = rng.sample(day, min(len(day), 5))
            await record_deliveries(conn, subscriber.chat_id, chosen, "instant", now)
            recorded += len(chosen)
    return recorded


async def _compose(
    archive: Archive, subscribers: list[Subscriber], now: datetime, chunk: int
) -> dict[int, Digest]:
    """One compose_digests call, or (chunk > 0) one per chunk of that many subscribers."""
    if chunk <= 0:
        return await compose_digests(archive, subscribers, now)
    digests: dict[int, Digest] = {}
    for start in range(0, len(subscribers), chunk):
        digests.update(await compose_digests(archive, subscribers[start : start + chunk], now))
    return digests


async def _outbox_figures(archive: Archive) -> tuple[int, int, int, int]:
    """(digests, messages, longest message, stories carried) as written to the outbox."""
    cursor = await archive.db.reader.execute(
        "SELECT COUNT(DISTINCT chat_id), COUNT(*), COALESCE(MAX(LENGTH(text)), 0) FROM outbox"
    )
    digests, messages, longest = await cursor.fetchone()
    cursor = await archive.db.reader.execute(
        "SELECT COUNT(*) FROM deliveries WHERE via = 'digest'"
    )
    (stories,) = await cursor.fetchone()
    return digests, messages, longest, stories


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of the archive (WAL included), so a run starts from a clean outbox."""
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    original.close()
    copy.close()


def _reset_peak_rss() -> None:
    """Start the peak-RSS count (VmHWM) afresh, so it measures the phase that follows."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def main(count: int, subscriber_count: int, keep: Path | None, path: str, chunk: int
               ) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = keep or Path(folder) / "bench.db"
        archive = await connect_archive(base)
        try:
            if await archive.items.count() < count:
                started = time.perf_counter()
                await _fill(archive, count, time.time())
                print(f"built {count} items in {time.perf_counter() - started:.1f} s")
        finally:
            await archive.close()
        work = Path(folder) / "run.db"
        await asyncio.to_thread(_copy, base, work)
        archive = await connect_archive(work)
        try:
            now = datetime.now(UTC)
            subscribers = _subscribers(subscriber_count, now)
            await _store(archive, subscribers, now.timestamp())
            delivered = await _deliver_some(archive, subscribers, now.timestamp())
            rss_before = _rss_mb("VmRSS")
            _reset_peak_rss()
            load = os.getloadavg()
            started, cpu_started = time.perf_counter(), time.process_time()
            if path == "outbox":
                report = await enqueue_due_digests(archive, now)
            else:
                digests = await _compose(archive, subscribers, now, chunk)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            peak = _rss_mb("VmHWM")
            if path == "outbox":
                made, messages, longest, stories = await _outbox_figures(archive)
                if report.due != subscriber_count:
                    print(f"warning: {report.due} of {subscriber_count} digests were due")
            else:
                made, stories = len(digests), sum(len(d.story_ids) for d in digests.values())
                parts = [len(p) for d in digests.values() for p in d.parts]
                messages, longest = len(parts), max(parts, default=0)
        finally:
            await archive.close()
    print(f"machine: {machine()}; date: {today()};"
          f" load average at the start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"archive: {count} items over a week; subscribers: {subscriber_count};"
          f" deliveries already recorded: {delivered}")
    print(f"digests: {made}; messages: {messages}; stories carried: {stories};"
          f" longest message: {longest} characters")
    how = {
        "outbox": "through the outbox (enqueue_due_digests, written in chunks)",
        "call": f"compose_digests in chunks of {chunk}" if chunk > 0 else "in one call",
    }[path]
    print(f"compose {subscriber_count} digests {how}: {elapsed:.2f} s"
          f" ({elapsed / max(1, subscriber_count) * 1000:.3f} ms each);"
          f" CPU time {cpu:.2f} s (all threads; less sensitive to other load on the machine)")
    print(f"memory: {rss_before:.0f} MB resident before, peak {peak:.0f} MB while composing"
          f" (+{peak - rss_before:.0f} MB)")
    print(f"goal < {GOAL_SECONDS:.0f} s: {'met' if elapsed < GOAL_SECONDS else 'NOT met'};"
          f" ratio to the goal {elapsed / GOAL_SECONDS:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive at this path")
    parser.add_argument(
        "--path", choices=("outbox", "call"), default="outbox",
        help="the digest tick through the outbox (default), or compose_digests alone",
    )
    parser.add_argument(
        "--chunk", type=int, default=0,
        help="with --path call: compose_digests per chunk of this many subscribers",
    )
    options = parser.parse_args()
    asyncio.run(main(options.items, options.subscribers, options.keep, options.path,
                     options.chunk))
