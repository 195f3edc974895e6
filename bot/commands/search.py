"""`civic-digest search QUERY`: search the archive from the terminal."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Settings

HELP = "search the archive: ranked results with snippets"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="+", help="words to look for (word forms match)")
    parser.add_argument("--limit", type=int, default=10, help="how many results (default 10)")
    parser.add_argument(
        "--relevant", action="store_true", help="only items the filter kept"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_search(" ".join(args.query), args.limit, args.relevant, settings))


async def _search(query: str, limit: int, only_relevant: bool, settings: Settings) -> int:
    from bot.search_view import shorten
    from feeds.archive import open_archive
    from feeds.search import build_match, marked_to_plain

    if build_match(query) is None:
        print("The query has no words to look for; try e.g.: civic-digest search НКО гранты")
        return 1
    zone = ZoneInfo(settings.default_timezone)
    async with open_archive(settings.database_path) as archive:
        hits = await archive.search.search(
            query, limit=max(1, min(limit, 100)), only_relevant=only_relevant
        )
    if not hits:
        print(f"Nothing found for {shorten(query, 60)!r}. Try fewer or broader words.")
        return 0
    for number, hit in enumerate(hits, 1):
        when = datetime.fromtimestamp(hit.published_at, zone).strftime("%Y-%m-%d %H:%M")
        print(f"{number}. {marked_to_plain(hit.title_marked)}")
        print(f"   {hit.source_title} · {when} · {hit.url}")
        if hit.snippet_marked:
            print(f"   {marked_to_plain(hit.snippet_marked)}")
    return 0
