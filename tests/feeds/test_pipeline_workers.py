"""The pipeline with its CPU stages in worker processes stores what it stores with threads."""

from __future__ import annotations

import asyncio
import functools
import os
from pathlib import Path

import pytest

from feeds.archive import Archive, connect_archive
from feeds.classify import Classifier
from feeds.fetch import Fetcher
from feeds.pipeline import PipelineContext, poll_all, probe_feed
from feeds.stages import WORKER_NICENESS, cpu_workers
from tests.fakes.feed_server import FeedEntry, FeedServer, rss_document

NOW = 1_900_000_000.0

# Two outlets telling one event, and unrelated news, so that stories and summaries happen.
STORIES = [
    ("В Караганде открылся ресурсный центр для НКО",
     "<p>В Караганде открыли областной ресурсный центр для некоммерческих организаций.</p>"
     "<p>Центр будет бесплатно консультировать активистов по грантам и отчётности.</p>"),
    ("Ресурсный центр для некоммерческих организаций заработал в Караганде",
     "<p>Областной ресурсный центр для НКО начал работу в Караганде.</p>"
     "<p>Специалисты будут консультировать общественников по грантам бесплатно.</p>"),
    ("В Алматы открылся новый каток", "<p>Каток работает ежедневно. Вход свободный.</p>"),
]


def _feed(number: int) -> bytes:
    entries = [FeedEntry(title, text, link=f"https://site{number}.example.kz/{n}",
                         published=NOW - 3600 * (number + n))
               for n, (title, text) in enumerate(STORIES)]
    return rss_document(f"Feed {number}", entries, link=f"https://site{number}.example.kz/")


async def _poll(archive: Archive, server: FeedServer, classifier: Classifier,
                processes: int) -> list[tuple[object, ...]]:
    """Poll three feeds into `archive` and return what it stored, story ids as groups."""
    for number in range(3):
        server.set_feed(f"/feed/{number}.xml", _feed(number))
        await archive.sources.add(server.url(f"/feed/{number}.xml"))
    async with Fetcher(allow_private=True) as fetcher:
        ctx = PipelineContext(archive=archive, fetcher=fetcher, classifier=classifier,
                              clock=lambda: NOW, concurrency=1)
        if processes:
            async with cpu_workers(classifier, processes) as workers:
                ctx.workers = workers
                reports = await poll_all(ctx, only_due=False)
        else:
            reports = await poll_all(ctx, only_due=False)
    assert all(report.error is None for report in reports)
    cursor = await archive.db.reader.execute(
        "SELECT guid, title, text, language, relevant, score, topics, matched, summary,"
        " title_stems, text_stems, story_id FROM items ORDER BY id")
    rows = [tuple(row) for row in await cursor.fetchall()]
    first_of_story: dict[object, str] = {}
    return [(*row[:-1], first_of_story.setdefault(row[-1], str(row[0]))) for row in rows]


async def test_worker_processes_store_what_threads_store(archive: Archive,
                                                         tmp_path: Path) -> None:
    classifier = Classifier.load()
    async with FeedServer() as server:
        with_threads = await _poll(archive, server, classifier, processes=0)
        other = await connect_archive(tmp_path / "processes.db")
        try:
            with_processes = await _poll(other, server, classifier, processes=2)
        finally:
            await other.close()
    assert with_processes == with_threads
    assert len(with_threads) == 9
    assert any(row[8] for row in with_threads)  # summaries of kept items
    assert len({row[-1] for row in with_threads}) < 9  # some items share a story


async def test_a_context_with_another_classifier_classifies_with_its_own(
    archive: Archive,
) -> None:
    """The workers' copy of a classifier is never used for a context whose classifier
    changed (admins' terms): nothing is relevant to an empty lexicon."""
    empty = Classifier.from_entries([])
    async with FeedServer() as server, Fetcher(allow_private=True) as fetcher:
        server.set_feed("/feed.xml", _feed(0))
        async with cpu_workers(Classifier.load()) as workers:
            ctx = PipelineContext(archive=archive, fetcher=fetcher, classifier=empty,
                                  workers=workers)
            probe = await probe_feed(ctx, server.url("/feed.xml"))
            ctx.classifier = workers.classifier
            kept = await probe_feed(ctx, server.url("/feed.xml"))
    assert (probe.item_count, probe.kept_count, probe.title) == (3, 0, "Feed 0")
    assert kept.kept_count == 2


@pytest.mark.skipif(not hasattr(os, "nice"), reason="process priorities are a POSIX feature")
async def test_worker_processes_run_below_the_bot() -> None:
    """The CPU stages take what the cores have left after the bot and its writer."""
    niceness = functools.partial(os.getpriority, os.PRIO_PROCESS, 0)
    async with cpu_workers(Classifier.load()) as workers:
        theirs = await asyncio.get_running_loop().run_in_executor(workers.executor, niceness)
    assert theirs == min(niceness() + WORKER_NICENESS, 19)
