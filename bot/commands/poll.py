"""`civic-digest poll`: poll every enabled feed once, store what is new, print a summary."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from feeds.archive import Archive
    from feeds.pipeline import RefreshReport

HELP = "poll every enabled feed once, store new items, print one line per feed and a summary"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--due", action="store_true", help="only the feeds whose next poll time has come"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_poll(settings, only_due=bool(getattr(args, "due", False))))


async def _poll(settings: Settings, *, only_due: bool) -> int:
    from feeds.archive import ArchiveError, connect_archive

    if settings.database_path.is_dir():
        # Checked here because a failed SQLite open leaves aiosqlite's worker thread to
        # report into a closed event loop, which prints a traceback after our message.
        print(f"civic-digest poll: cannot open the archive: {settings.database_path} is a "
              "folder; set DATABASE_PATH to a file", file=sys.stderr)
        return 1
    try:
        archive = await connect_archive(settings.database_path)
    except (ArchiveError, OSError) as exc:
        print(f"civic-digest poll: cannot open the archive: {exc}", file=sys.stderr)
        return 1
    try:
        await _seed_if_empty(archive)
        reports = await _poll_archive(archive, settings, only_due=only_due)
    finally:
        await archive.close()
    for line in format_reports(reports):
        print(line)
    return 0


async def _poll_archive(
    archive: Archive, settings: Settings, *, only_due: bool
) -> list[RefreshReport]:
    from feeds.classify import Classifier
    from feeds.fetch import Fetcher
    from feeds.pipeline import PipelineContext, poll_all
    from feeds.stages import cpu_workers

    classifier = await asyncio.to_thread(Classifier.load, await archive.terms.all())
    async with AsyncExitStack() as stack:
        fetcher = await stack.enter_async_context(
            Fetcher(allow_private=settings.feeds_allow_private)
        )
        workers = None
        if settings.ingest_processes:
            workers = await stack.enter_async_context(
                cpu_workers(classifier, settings.ingest_processes)
            )
        ctx = PipelineContext(
            archive=archive, fetcher=fetcher, classifier=classifier,
            interval=float(settings.poll_interval_seconds), workers=workers,
        )
        return await poll_all(ctx, only_due=only_due)


async def _seed_if_empty(archive: Archive) -> None:
    """A new archive starts with the bundled feeds, so that the first poll has work."""
    if await archive.sources.all():
        return
    try:
        from feeds.sources_file import load_default_sources
    except ImportError:
        print("The archive has no feeds and the bundled list is not available; "
              "add one with: civic-digest feeds add URL")
        return
    try:
        defaults = load_default_sources()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"The archive has no feeds and the bundled list cannot be read ({exc}); "
              "add one with: civic-digest feeds add URL")
        return
    for feed in defaults:
        await archive.sources.add(
            feed.url, title=feed.title, site_url=feed.site_url, language=feed.language
        )
    print(f"The archive had no feeds: added the {len(defaults)} bundled ones.")


def format_reports(reports: Sequence[RefreshReport]) -> list[str]:
    """One line per feed, then the summary: what `poll` prints."""
    lines = []
    for report in reports:
        name = report.title or report.url
        line = (f"#{report.source_id} {_shorten(name, 50)}: {len(report.new_items)} new / "
                f"{report.total} total / {report.kept} kept / {report.status}")
        problem = report.error or report.warning
        if problem:
            line += f" / {problem}"
        lines.append(line)
    new = sum(len(report.new_items) for report in reports)
    kept = sum(report.kept for report in reports)
    errors = sum(1 for report in reports if report.error)
    lines.append(f"Polled {len(reports)} feeds: {new} new items, {kept} relevant, "
                 f"{errors} errors.")
    if not reports:
        lines.append("There are no enabled feeds; add one with: civic-digest feeds add URL")
    return lines


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
