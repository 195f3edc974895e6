"""`civic-digest health`: exit 0 when the running bot is healthy, else 1 with the reason.

Healthy means: the archive opens, the bot wrote a heartbeat within the last two minutes, and
feed polling is not overdue. It only reads (it never creates an archive), so Docker's
HEALTHCHECK and monitoring scripts can run it beside the bot as often as they like.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings

HELP = "check the running bot: archive opens, heartbeat < 2 min old, polling not overdue"

CHECK_TIMEOUT = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-heartbeat-age",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="oldest acceptable heartbeat (default 120)",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        verdict = asyncio.run(
            asyncio.wait_for(_check(settings, args.max_heartbeat_age), CHECK_TIMEOUT)
        )
    except TimeoutError:
        verdict = (False, f"unhealthy: the archive did not answer within {CHECK_TIMEOUT:.0f} s")
    healthy, line = verdict
    print(line)
    return 0 if healthy else 1


async def _check(settings: Settings, max_heartbeat_age: float) -> tuple[bool, str]:
    from bot.heartbeat import check_health
    from feeds.archive import ArchiveError, open_archive

    path = settings.database_path
    if not path.is_file():
        return False, f"unhealthy: there is no archive at {path}"
    try:
        async with open_archive(path) as archive:
            report = await check_health(
                archive,
                poll_interval=settings.poll_interval_seconds,
                max_heartbeat_age=max_heartbeat_age,
            )
    except ArchiveError as exc:
        return False, f"unhealthy: {exc}"
    return report.healthy, report.summary()
