"""`civic-digest preview`: the digest a default subscriber would get now, as plain text.

No bot token is needed and nothing is recorded: the preview subscriber follows every topic,
lives in DEFAULT_TIMEZONE and has had no digest yet.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from bot.config import Settings

HELP = "print the digest a default subscriber would get now (plain text, no bot token needed)"
PREVIEW_CHAT_ID = 0  # no real chat has id 0, so no delivery record can hide a story


def _hours(value: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of hours: {value!r}") from None
    if not 0 < hours <= 24 * 366:
        raise argparse.ArgumentTypeError("hours must be more than 0 and at most a year")
    return hours


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hours", type=_hours, default=24.0, help="how far back to look (default 24)"
    )
    parser.add_argument(
        "--lang", choices=("ru", "kk", "en"), default="ru", help="digest language (default ru)"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_preview(args.hours, args.lang, settings))


def _hours_label(hours: float) -> str:
    return f"{hours:g}"


async def _preview(hours: float, language: str, settings: Settings) -> int:
    from bot.digest import compose_digest
    from bot.render import render_plain
    from feeds.archive import open_archive
    from feeds.archive.subscribers import Subscriber

    subscriber = Subscriber(
        chat_id=PREVIEW_CHAT_ID, language=language, timezone=settings.default_timezone
    )
    now = datetime.now(UTC)
    async with open_archive(settings.database_path) as archive:
        digest = await compose_digest(
            archive, subscriber, now, since=now.timestamp() - hours * 3600,
            default_timezone=settings.default_timezone,
        )
    if digest is None or digest.view is None:
        print(
            f"No relevant news in the last {_hours_label(hours)} hours; "
            "run `civic-digest poll` first."
        )
        return 0
    print(render_plain(digest.view), end="")
    print(
        f"\n({len(digest.story_ids)} of {digest.total_stories} stories;"
        f" {len(digest.parts)} Telegram message(s))"
    )
    return 0
