"""Fan-out: 10,000 subscribers' digests through the sender against Telegram's flood limits.

The fake Bot API runs in its own process (so it does not share our event loop) and enforces
the limits of tech-notes §1: 30 messages in any second overall, ~1/s per chat with a burst of
5, 20 per minute per group. The archive holds a day of news (titles from the labeled dev items
when ../shared/data is present, read in place; a built-in vocabulary otherwise).

Figures, with their goals (issue 6):
- messages per second sustained: at least 28 (ratio to Telegram's 30/s limit: over 93%);
- the share of sends answered 429: under 0.5%;
- every subscriber served exactly once (messages received per chat = parts composed);
- peak memory (max RSS of this process: archive, composer, sender);
- time to compose every digest, against the time to send them: composing is never the
  bottleneck (ratio compose/send far below 1).

Also printed: the load average at the start, and how long global flood waits held every
worker back (each global 429 pauses the sender for its `retry_after`, at least 1 s, about 28
messages), with the rate outside those pauses.

Usage: python -m bench.fanout [--subscribers 10000] [--rate 28] [--workers 8] [--keep PATH]
(a short run first: --subscribers 1000, about 40 s of sending)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bench._common import dev_items, machine, today
from bot.digest import compose_digests
from bot.outbox import enqueue_all_digests
from bot.sender import Sender, SenderConfig
from feeds.archive import Archive, connect_archive
from feeds.archive.items import insert_new_items
from feeds.archive.stories import assign_stories
from feeds.archive.subscribers import Subscriber
from feeds.models import TOPICS, Item, Verdict
from feeds.textnorm import stem_text

TELEGRAM_LIMIT = 30.0
TOKEN = "42:BENCH-fanout"
FALLBACK_TITLES = [
    "Общественный совет обсудил закон о некоммерческих организациях",
    "НКО получили гранты на социальные проекты",
    "Үкіметтік емес ұйымдар азаматтық қоғам форумына жиналды",
    "Parliament debates the law on public councils",
    "Волонтеры провели благотворительную акцию в Алматы",
    "Мажилис одобрил поправки о государственном социальном заказе",
]


def titles(count: int) -> list[str]:
    found = [str(r.get("title", "")).strip() for r in dev_items()]
    pool = [t for t in found if 20 <= len(t) <= 140] or FALLBACK_TITLES
    rng = random.Random(7)
    return [f"{rng.choice(pool)} ({n})" for n in range(count)]


async def build_archive(path: Path, subscribers: int, stories: int) -> Archive:
    archive = await connect_archive(path)
    now = time.time()
    source, _ = await archive.sources.add("https://feeds.example.kz/bench.xml", title="Bench feed")
    assert source.id is not None
    rng = random.Random(11)
    items = []
    for n, title in enumerate(titles(stories)):
        url = f"https://news.example.kz/{n}"
        items.append(Item(
            source_id=source.id, guid=url, url=url, canonical_url=url, title=title, text="",
            language="ru", published_at=now - rng.uniform(0, 20) * 3600, fetched_at=now,
            content_hash=url,
            verdict=Verdict(relevant=True, score=1.0, topics=[rng.choice(TOPICS)]),
        ))
    async with archive.db.transaction() as conn:
        stored = await insert_new_items(conn, items, [(stem_text(i.title, "ru"), "") for i in items])
        await assign_stories(conn, stored)
    for n in range(subscribers):
        group = n % 25 == 0  # some groups and channels among the people
        chat_id = -(1_000_000 + n) if group else 10_000_000 + n
        topics = [] if n % 3 == 0 else rng.sample(list(TOPICS), k=min(2, len(TOPICS)))
        await archive.subscribers.subscribe(Subscriber(
            chat_id=chat_id, chat_type="group" if group else "private",
            language=("ru", "kk", "en")[n % 3], topics=topics,
        ))
    return archive


async def start_fake() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", "--token", TOKEN,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode().strip()
    if not line.startswith("FAKE_TELEGRAM_URL="):
        raise RuntimeError(f"the fake Bot API did not start: {line!r}")
    return process, line.split("=", 1)[1]


async def control(url: str, what: str) -> object:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/__control/{what}") as resp:
        return await resp.json()


def rss_mb() -> float:
    """The peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(args: argparse.Namespace, folder: Path) -> dict[str, float]:
    print(f"building an archive: {args.stories} stories, {args.subscribers} subscribers ...")
    archive = await build_archive(folder / "fanout.db", args.subscribers, args.stories)
    phases = {"built": rss_mb()}
    try:
        now = datetime.now(UTC)
        everyone = await archive.outbox.digest_candidates(("daily", "weekly", "instant"))
        started = time.perf_counter()
        await compose_digests(archive, everyone, now)
        compose_seconds = time.perf_counter() - started
        phases["composed"] = rss_mb()
        started = time.perf_counter()
        report = await enqueue_all_digests(archive, now)
        enqueue_seconds = time.perf_counter() - started
        phases["enqueued"] = rss_mb()
        composed = Counter(dict(await parts_per_chat(archive)))
        print(f"composed {report.composed} digests ({sum(composed.values())} messages)"
              f" in {compose_seconds:.2f} s; composed and written to the outbox in"
              f" {enqueue_seconds:.2f} s")

        fake, url = await start_fake()
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
        try:
            sender = Sender(bot, archive, SenderConfig(
                rate_per_second=args.rate, workers=args.workers, rate_burst=args.burst
            ))
            load = os.getloadavg()
            started = time.perf_counter()
            await sender.start()
            await sender.drain()
            send_seconds = time.perf_counter() - started
            await sender.stop()
            paused = sender.bucket.paused_seconds
            phases["sent"] = rss_mb()
            stats = await control(url, "stats")
            messages = await control(url, "messages")
            calls = await control(url, "calls?method=sendMessage")
        finally:
            await bot.session.close()
            fake.terminate()
            await fake.wait()
    finally:
        await archive.close()

    assert isinstance(stats, dict) and isinstance(messages, list) and isinstance(calls, list)
    answered = sorted(float(c["at"]) for c in calls if c["status"] == 200)
    # Sustained: from the first message the fake accepted to the last one.
    sustained = (len(answered) - 1) / (answered[-1] - answered[0]) if len(answered) > 1 else 0.0
    received = Counter(int(m["chat"]["id"]) for m in messages)
    exact = sum(1 for chat, parts in composed.items() if received[chat] == parts)
    sent = int(stats["sent"])
    requests = int(stats["requests"])
    rate = sent / send_seconds
    peak_mb = phases["sent"]  # before the bench reads the fake's records back
    print("peak memory after each phase (MB): "
          + ", ".join(f"{name} {value:.0f}" for name, value in phases.items()))
    return {
        "subscribers": args.subscribers, "messages": sent, "requests": requests,
        "send_seconds": send_seconds, "overall_rate": rate, "rate": sustained,
        "rate_ratio": sustained / TELEGRAM_LIMIT,
        "share_429": int(stats["rate_limited"]) / max(1, requests),
        "served_exactly_once": exact, "chats": len(composed),
        "peak_rss_mb": peak_mb, "compose_seconds": compose_seconds,
        "enqueue_seconds": enqueue_seconds, "compose_ratio": compose_seconds / send_seconds,
        "paused_seconds": paused, "rate_outside_pauses": sent / max(1e-9, send_seconds - paused),
        "load_1min": load[0], "load_5min": load[1],
    }


async def parts_per_chat(archive: Archive) -> list[tuple[int, int]]:
    cursor = await archive.db.reader.execute(
        "SELECT chat_id, COUNT(*) FROM outbox GROUP BY chat_id"
    )
    return [(row[0], row[1]) for row in await cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--stories", type=int, default=300)
    parser.add_argument("--rate", type=float, default=28.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--burst", type=float, default=SenderConfig().rate_burst)
    parser.add_argument("--keep", type=Path, help="keep the archive in this folder")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = asyncio.run(run(args, args.keep))
    else:
        with tempfile.TemporaryDirectory() as folder:
            figures = asyncio.run(run(args, Path(folder)))
    print(f"machine: {machine()}; date: {today()}; load average when sending started:"
          f" {figures['load_1min']:.2f} (1 min) {figures['load_5min']:.2f} (5 min)")
    print(f"messages per second sustained: {figures['rate']:.2f}"
          f" ({figures['rate_ratio']:.1%} of Telegram's 30/s; goal >= 28, over 93%);"
          f" {figures['overall_rate']:.2f} from start to drained")
    print(f"sends answered 429: {figures['share_429']:.3%} (goal under 0.5%); global flood"
          f" waits held sending for {figures['paused_seconds']:.1f} s; outside them"
          f" {figures['rate_outside_pauses']:.2f} messages per second")
    print(f"served exactly once: {figures['served_exactly_once']} of {figures['chats']} chats")
    print(f"peak memory (max RSS): {figures['peak_rss_mb']:.0f} MB")
    print(f"compose all digests: {figures['compose_seconds']:.2f} s vs sending"
          f" {figures['send_seconds']:.0f} s (ratio {figures['compose_ratio']:.4f}; goal: << 1)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
