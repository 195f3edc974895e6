"""A burst: 1,000 users send 5 commands each within 10 seconds to `civic-digest run`.

The real bot runs as a subprocess against the fake Bot API, over an archive of 20,000 items.
Each user sends /start, two searches, /latest and /settings at random moments of the 10 s
window. Figures:
- answered: the share of updates that got their reply (goal 100 %), and when the last came;
- newcomer search latency: a brand-new user sends /search every 0.25 s during the burst; the
  time from the update being queued to the reply, p50/p95, with its ratio to the same search
  on the idle bot (the baseline);
- memory: the bot's resident memory idle, at its peak and after the burst (goal: bounded,
  i.e. back near idle after the burst, peak a small multiple of idle).

Flood limits are off by default: Telegram's ~30 msg/s would make the fake, not the bot, the
bottleneck (5,000 replies take ~170 s under it). `--telegram-limits` turns them on.

Usage: python -m bench.burst [--users 1000] [--commands 5] [--window 10] [--items 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench._common import machine, today
from bench.search import _fill, _vocabulary
from feeds.archive import open_archive
from tests.fakes.telegram_api import FakeTelegram, FloodLimits
from tests.fakes.telegram_updates import FakeUser
from tests.ops.botprocess import bot_environment, process_figures, running_bot

COMMANDS = ("/start", "/search {a}", "/latest", "/search {b}", "/settings")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def _newcomer_search(
    fake: FakeTelegram, user: FakeUser, query: str, deadline: float
) -> float:
    before = len(fake.sent_messages(user.id))
    started = time.monotonic()
    fake.send_text(user, f"/search {query}")
    await fake.wait_for_messages(user.id, before + 1, deadline=deadline)
    return time.monotonic() - started


async def run(args: argparse.Namespace, folder: Path) -> None:
    words, query_words = _vocabulary()
    database = folder / "bot.db"
    async with open_archive(database) as archive:
        await _fill(archive, args.items, words)
    rng = random.Random(11)
    limits = FloodLimits() if args.telegram_limits else None
    async with FakeTelegram(limits=limits) as fake:
        env = bot_environment(
            token=fake.token, api_url=fake.url, database=database, extra={"LOG_LEVEL": "WARNING"}
        )
        async with running_bot(env, folder) as bot:
            warm = fake.user(1, language_code="ru")
            fake.send_text(warm, "/start")
            await fake.wait_for_messages(warm.id, 1, deadline=180)
            idle = [
                await _newcomer_search(fake, fake.user(10 + n), rng.choice(query_words), 30)
                for n in range(10)
            ]
            rss_idle, _, fds_idle = process_figures(bot.pid)

            users = [
                fake.user(100_000 + n, language_code=rng.choice(["ru", "kk", "en"]))
                for n in range(args.users)
            ]
            plan = sorted(
                (
                    rng.uniform(0, args.window),
                    user,
                    command.format(a=rng.choice(query_words), b=rng.choice(query_words)),
                )
                for user in users
                for command in COMMANDS[: args.commands]
            )
            peak_rss = rss_idle
            newcomer: list[float] = []
            newcomer_tasks: list[asyncio.Task[float]] = []
            started = time.monotonic()
            next_newcomer = 0.0
            for at, user, text in plan:
                while time.monotonic() - started < at:
                    if time.monotonic() - started >= next_newcomer:
                        person = fake.user(200_000 + len(newcomer_tasks))
                        newcomer_tasks.append(
                            asyncio.create_task(
                                _newcomer_search(fake, person, rng.choice(query_words), 300)
                            )
                        )
                        next_newcomer += 0.25
                        peak_rss = max(peak_rss, process_figures(bot.pid)[0])
                    await asyncio.sleep(0.002)
                fake.send_text(user, text)
            sent_all_at = time.monotonic() - started
            expected = {u.id: sum(1 for _, v, _ in plan if v is u) for u in users}

            def answered() -> int:
                per_chat = Counter(m["chat"]["id"] for m in fake.sent_messages())
                return sum(min(per_chat[uid], n) for uid, n in expected.items())

            total = sum(expected.values())
            deadline = time.monotonic() + args.deadline
            while answered() < total and time.monotonic() < deadline:
                peak_rss = max(peak_rss, process_figures(bot.pid)[0])
                await asyncio.sleep(0.5)
            last_reply_at = time.monotonic() - started
            newcomer = list(await asyncio.gather(*newcomer_tasks))
            got = answered()
            rss_after, vm_peak, fds_after = process_figures(bot.pid)
    busy_p95, idle_p95 = _percentile(newcomer, 0.95), _percentile(idle, 0.95)
    print(f"# burst, {today()}, {machine()}")
    print(
        f"users {args.users} x {args.commands} commands = {total} updates, queued within "
        f"{sent_all_at:.1f} s; archive {args.items} items; flood limits "
        f"{'on' if limits else 'off'}"
    )
    print(
        f"answered: {got}/{total} = {got / total:.1%} (goal 100 %), last reply at "
        f"{last_reply_at:.1f} s (ratio to the {args.window:.0f} s window: "
        f"{last_reply_at / args.window:.2f})"
    )
    print(
        f"newcomer /search latency during the burst: p50 {statistics.median(newcomer) * 1000:.0f} ms, "
        f"p95 {busy_p95 * 1000:.0f} ms over {len(newcomer)} searches; idle p95 "
        f"{idle_p95 * 1000:.0f} ms (ratio {busy_p95 / idle_p95:.1f}x)"
    )
    print(
        f"memory: idle {rss_idle:.0f} MB, peak {max(peak_rss, vm_peak):.0f} MB "
        f"(ratio {max(peak_rss, vm_peak) / rss_idle:.2f}x idle), after {rss_after:.0f} MB; "
        f"open fds {fds_idle} -> {fds_after}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--commands", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument(
        "--deadline",
        type=float,
        default=600.0,
        help="give up waiting for replies after this many seconds",
    )
    parser.add_argument("--telegram-limits", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civic-burst-") as folder:
        asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
