"""A soak: `civic-digest run` for 10 minutes, polling every 10 s, with steady user activity.

The real bot runs as a subprocess against the fake Bot API and a fake news site whose feeds
change every 10 seconds (new entries, old ones rolling off, some feeds failing now and then).
Its archive starts with a history (`--history` items of the last two days, from other
outlets, not polled), as a bot that has run for a while has: an empty archive would make the
database's page caches filling up look like growth.
Users send a command every half second (searches, /latest, /settings, /start). Every 10 s
the bot's resident memory, open file descriptors and asyncio task count (from its /metrics)
are sampled. Figures, against the goals of issue 7:
- memory growth from the end of the warm-up (the first 2 minutes) to the end: goal < 10 MB;
- file descriptors and tasks: first sample after the warm-up vs the last, and the maximum
  (goal: stable, no upward trend).

Usage: python -m bench.soak [--minutes 10] [--feeds 12] [--interval 10] [--history 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import socket
import tempfile
import time
from pathlib import Path

import aiohttp

from bench._common import machine, today
from bench.search import _fill, _vocabulary
from feeds.archive import open_archive
from tests.fakes.feed_server import FeedEntry, FeedServer, rss_document
from tests.fakes.telegram_api import FakeTelegram
from tests.ops.botprocess import bot_environment, process_figures, running_bot

GOAL_GROWTH_MB = 10.0
NGO_WORDS = "некоммерческих организаций гражданского общества общественный совет грант НКО".split()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _tasks(http: aiohttp.ClientSession, port: int) -> int:
    try:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            text = await resp.text()
    except aiohttp.ClientError:
        return -1
    match = re.search(r"^civic_digest_asyncio_tasks (\S+)$", text, re.MULTILINE)
    return int(float(match.group(1))) if match else -1


class ChangingFeeds:
    """Feeds on the fake site that gain entries every round; one in six fails now and then."""

    def __init__(self, site: FeedServer, count: int, words: list[str], rng: random.Random) -> None:
        self.site = site
        self.words = words
        self.rng = rng
        self.entries: dict[str, list[FeedEntry]] = {f"/soak/{n}.xml": [] for n in range(count)}
        self.serial = 0

    def round(self) -> None:
        for number, (path, entries) in enumerate(self.entries.items()):
            if number % 6 == 5 and self.rng.random() < 0.3:
                self.site.set_feed(path, b"<html>temporarily broken</html>")
                continue
            for _ in range(self.rng.randint(0, 3)):
                self.serial += 1
                start = self.rng.randrange(len(self.words) - 60)
                title = " ".join(self.words[start : start + 8])
                if self.rng.random() < 0.4:
                    title += " " + self.rng.choice(NGO_WORDS)
                text = " ".join(self.words[start + 8 : start + 60])
                entries.append(
                    FeedEntry(
                        title,
                        text,
                        link=f"https://news.example.kz/{self.serial}",
                        guid=f"soak-{self.serial}",
                        published=time.time(),
                    )
                )
            del entries[:-30]  # a feed shows its latest 30 entries
            self.site.set_feed(path, rss_document(f"Outlet {number}", entries))


async def run(args: argparse.Namespace, folder: Path) -> None:
    words, query_words = _vocabulary()
    rng = random.Random(5)
    database = folder / "bot.db"
    metrics_port = _free_port()
    commands = ["/search {q}", "/latest", "/settings", "/search {q} {r}", "/start", "{q}"]
    samples: list[tuple[float, float, int, int]] = []  # (minute, rss MB, fds, tasks)
    async with FeedServer() as site, FakeTelegram(limits=None) as fake:
        feeds = ChangingFeeds(site, args.feeds, words, rng)
        feeds.round()
        async with open_archive(database) as archive:
            if args.history:
                await _fill(archive, args.history, words)
                for outlet in await archive.sources.all():  # their history only
                    await archive.sources.set_enabled(outlet.id, False)
            for path in feeds.entries:
                await archive.sources.add(site.url(path))
        env = bot_environment(
            token=fake.token,
            api_url=fake.url,
            database=database,
            extra={
                "POLL_INTERVAL_SECONDS": str(args.interval),
                "METRICS_PORT": str(metrics_port),
                "LOG_LEVEL": "WARNING",
            },
        )
        users = [
            fake.user(300_000 + n, language_code=rng.choice(["ru", "kk", "en"])) for n in range(200)
        ]
        async with running_bot(env, folder) as bot, aiohttp.ClientSession() as http:
            fake.send_text(users[0], "/start")
            await fake.wait_for_messages(users[0].id, 1, deadline=180)
            started = time.monotonic()
            next_round = next_sample = 0.0
            sent = 0
            while (elapsed := time.monotonic() - started) < args.minutes * 60:
                if elapsed >= next_round:
                    if not args.static_feeds:
                        feeds.round()
                    next_round += args.interval
                if elapsed >= next_sample:
                    rss, _, fds = process_figures(bot.pid)
                    samples.append((elapsed / 60, rss, fds, await _tasks(http, metrics_port)))
                    next_sample += 10
                    fake.clear_calls()  # keep the fake's own memory flat over the run
                if args.no_users:
                    await asyncio.sleep(args.pause)
                    continue
                user = rng.choice(users)
                fake.send_text(
                    user,
                    rng.choice(commands).format(
                        q=rng.choice(query_words), r=rng.choice(query_words)
                    ),
                )
                sent += 1
                await asyncio.sleep(args.pause)
            rss, _, fds = process_figures(bot.pid)
            samples.append((args.minutes, rss, fds, await _tasks(http, metrics_port)))
            polls = sum(site.hits(path) for path in feeds.entries)
        async with open_archive(database) as archive:
            items = (await archive.stats.overview(time.time())).items_total
    warm = [s for s in samples if s[0] >= args.warmup] or samples
    growth = warm[-1][1] - warm[0][1]
    print(f"# soak, {today()}, {machine()}")
    print(
        f"{args.minutes} min, {args.feeds} feeds polled every {args.interval} s "
        f"({polls} feed requests, {items} items stored, {args.history} of them before the"
        f" start), {sent} user commands"
    )
    print(
        f"memory: {warm[0][1]:.1f} MB after {args.warmup:.0f} min warm-up -> "
        f"{warm[-1][1]:.1f} MB at the end, growth {growth:+.1f} MB "
        f"(goal < {GOAL_GROWTH_MB:.0f} MB: ratio {growth / GOAL_GROWTH_MB:.2f})"
    )
    print(
        f"open fds: {warm[0][2]} -> {warm[-1][2]} (max {max(s[2] for s in warm)}); "
        f"asyncio tasks: {warm[0][3]} -> {warm[-1][3]} (max {max(s[3] for s in warm)})"
    )
    print(
        "samples (minute, MB, fds, tasks): "
        + ", ".join(
            f"({m:.1f}, {r:.0f}, {f}, {t})" for m, r, f, t in samples[:: max(1, len(samples) // 12)]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0, help="minutes before measuring growth")
    parser.add_argument("--feeds", type=int, default=12)
    parser.add_argument("--interval", type=int, default=10, help="POLL_INTERVAL_SECONDS (>= 10)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between user commands")
    parser.add_argument(
        "--no-users", action="store_true", help="polling only (to attribute growth)"
    )
    parser.add_argument("--static-feeds", action="store_true", help="feeds never change")
    parser.add_argument("--history", type=int, default=5000,
                        help="items archived before the bot starts (0: an empty archive)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civic-soak-") as folder:
        asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
