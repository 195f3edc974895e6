"""`civic-digest feeds list|add|remove|import|export`: manage feeds without Telegram."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from feeds.archive import Archive
    from feeds.pipeline import FeedProbe

HELP = "manage the feeds: list, add, remove, import or export (OPML)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="every feed with its health")
    add = actions.add_parser("add", help="check a feed URL and add it")
    add.add_argument("url")
    add.add_argument("--no-check", action="store_true", help="store without fetching it first")
    remove = actions.add_parser("remove", help="remove a feed and its items")
    remove.add_argument("id", type=int)
    imp = actions.add_parser("import", help="add the feeds of an OPML file")
    imp.add_argument("file", type=Path)
    exp = actions.add_parser("export", help="write every feed as OPML")
    exp.add_argument("file", nargs="?", type=Path, help="default: standard output")


def main(args: argparse.Namespace, settings: Settings) -> int:
    handlers = {"list": _list, "add": _add, "remove": _remove, "import": _import,
                "export": _export}
    return asyncio.run(handlers[args.action](args, settings))


def _when(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M") if timestamp else "never"


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    from feeds.archive import open_archive

    async with open_archive(settings.database_path) as archive:
        sources = await archive.sources.all()
        counts = await archive.sources.stats()
    if not sources:
        print("No feeds yet. Add one with `civic-digest feeds add URL`, or run "
              "`civic-digest poll` to start from the bundled list.")
        return 0
    for source in sources:
        items, kept = counts.get(source.id, (0, 0))
        state = "paused" if not source.enabled else (source.last_status or "new")
        share = f"{kept / items:.0%}" if items else "-"
        print(f"{source.id:>4}  {state:<12} {source.language or '??':<3} items {items:>6}"
              f"  kept {share:>4}  errors {source.error_count:>3}"
              f"  last ok {_when(source.last_success_at)}  {source.title or '-'}  {source.url}")
        if source.last_error:
            print(f"      last error: {source.last_error}")
    return 0


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    from feeds.archive import open_archive

    async with open_archive(settings.database_path) as archive:
        title = site_url = language = ""
        url = args.url
        if not args.no_check:
            probe = await _probe(archive, settings, url)
            if probe.error:
                print(f"Not added: {probe.error}", file=sys.stderr)
                return 1
            url, title, site_url, language = probe.url, probe.title, probe.site_url, probe.language
            print(f"{title or url}: {probe.item_count} items, {probe.kept_count} kept by the "
                  f"filter, language {language or 'unknown'}")
        source, created = await archive.sources.add(
            url, title=title, site_url=site_url, language=language
        )
    print(f"{'Added' if created else 'Already there'}: feed {source.id} {source.url}")
    return 0


async def _probe(archive: Archive, settings: Settings, url: str) -> FeedProbe:
    from feeds.classify import Classifier
    from feeds.fetch import Fetcher
    from feeds.pipeline import PipelineContext, probe_feed

    classifier = await asyncio.to_thread(Classifier.load, await archive.terms.all())
    async with Fetcher(allow_private=settings.feeds_allow_private) as fetcher:
        ctx = PipelineContext(archive=archive, fetcher=fetcher, classifier=classifier)
        return await probe_feed(ctx, url)


async def _remove(args: argparse.Namespace, settings: Settings) -> int:
    from feeds.archive import open_archive

    async with open_archive(settings.database_path) as archive:
        removed = await archive.sources.remove(args.id)
    print(f"Removed feed {args.id}." if removed else f"There is no feed {args.id}.")
    return 0 if removed else 1


async def _import(args: argparse.Namespace, settings: Settings) -> int:
    from feeds.archive import open_archive
    from feeds.opml import OpmlError, parse_opml

    try:
        document = parse_opml(args.file.read_bytes())
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    except OpmlError as exc:
        print(f"Cannot import {args.file}: {exc}", file=sys.stderr)
        return 1
    added = existing = 0
    async with open_archive(settings.database_path) as archive:
        for feed in document.feeds:
            _, created = await archive.sources.add(
                feed.url, title=feed.title, site_url=feed.site_url, language=feed.language
            )
            added += created
            existing += not created
    print(f"Imported {args.file}: {added} added, {existing} already there, "
          f"{len(document.invalid)} invalid")
    for url in document.invalid:
        print(f"  invalid: {url}")
    return 0


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    from feeds.archive import open_archive
    from feeds.opml import build_opml

    async with open_archive(settings.database_path) as archive:
        document = build_opml(await archive.sources.all())
    if args.file is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    else:
        args.file.write_bytes(document)
        print(f"Wrote {args.file}")
    return 0
