"""The ingest pipeline end to end: fake site on loopback → real archive in a SQLite file."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from feeds.archive import Archive
from feeds.classify import Classifier
from feeds.fetch import Fetcher
from feeds.models import FeedStatus, Source, Verdict
from feeds.pipeline import PipelineContext, poll_all, probe_feed, refresh
from feeds.schedule import MAX_BACKOFF
from tests.fakes.feed_server import FeedEntry, FeedServer, rss_document

NOW = 1_900_000_000.0
INTERVAL = 900.0


@dataclass
class Clock:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load()


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer(stall_seconds=5) as running:
        yield running


@pytest.fixture
async def ctx(archive: Archive, classifier: Classifier) -> AsyncIterator[PipelineContext]:
    async with Fetcher(allow_private=True, total_timeout=1.5, connect_timeout=1.0) as fetcher:
        yield PipelineContext(archive=archive, fetcher=fetcher, classifier=classifier,
                              clock=Clock(), interval=INTERVAL)


async def add(archive: Archive, url: str) -> Source:
    source, _ = await archive.sources.add(url)
    return source


async def stored(archive: Archive, source_id: int) -> Source:
    source = await archive.sources.get(source_id)
    assert source is not None
    return source


async def test_first_poll_stores_items_and_feed_state(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    source = await add(archive, server.url("/feeds/rss2.xml"))
    report = await refresh(ctx, source)
    assert report.status is FeedStatus.OK and report.error is None
    assert (len(report.new_items), report.total) == (3, 3)
    assert report.kept == 2  # the skating rink is not civic news
    assert all(item.id is not None and item.story_id is not None for item in report.new_items)
    kept = [item for item in report.new_items if item.verdict and item.verdict.relevant]
    assert all(item.summary for item in kept)
    assert await archive.items.count() == 3

    state = await stored(archive, source.id)
    assert state.title == "Степной вестник" and state.site_url == "https://vestnik.example.kz/"
    assert state.language == "ru"
    assert state.last_status == "ok" and state.last_error is None
    assert state.etag and state.last_modified
    assert state.next_fetch_at == NOW + INTERVAL and state.last_success_at == NOW

    hits = await archive.search.search("организации", limit=10)
    assert hits, "stored items are searchable by word form"


async def test_unchanged_feed_answers_304_and_is_not_parsed_again(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    source = await add(archive, server.url("/feeds/atom.xml"))
    await refresh(ctx, source)
    report = await refresh(ctx, await stored(archive, source.id))
    assert report.status is FeedStatus.NOT_MODIFIED
    assert report.new_items == [] and report.error is None
    last = server.requests[-1]
    assert last.headers.get("If-None-Match")
    assert (await stored(archive, source.id)).last_status == "not_modified"
    assert await archive.items.count() == 2


async def test_changed_feed_stores_only_new_entries(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    entries = [FeedEntry(f"Новость {n}", "Текст.", link=f"https://ex.kz/{n}") for n in range(3)]
    server.set_feed("/live.xml", rss_document("Живая лента", entries))
    source = await add(archive, server.url("/live.xml"))
    assert len((await refresh(ctx, source)).new_items) == 3
    entries.insert(0, FeedEntry("Новость 3", "Ещё текст.", link="https://ex.kz/3"))
    server.set_feed("/live.xml", rss_document("Живая лента", entries))
    report = await refresh(ctx, await stored(archive, source.id))
    assert [item.title for item in report.new_items] == ["Новость 3"]
    assert report.total == 4
    assert await archive.items.count() == 4


async def test_the_same_article_in_two_feeds_is_stored_once(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    one = FeedEntry("Общая новость", "Текст.", link="https://ex.kz/shared?utm_source=a")
    two = FeedEntry("Общая новость (перепечатка)", "Текст.", link="https://ex.kz/shared#x")
    server.set_feed("/a.xml", rss_document("A", [one]))
    server.set_feed("/b.xml", rss_document("B", [two]))
    first = await refresh(ctx, await add(archive, server.url("/a.xml")))
    second = await refresh(ctx, await add(archive, server.url("/b.xml")))
    assert len(first.new_items) == 1 and second.new_items == [] and second.total == 1


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/site/", FeedStatus.ERROR, "not a feed: the address gives a web page (HTML)"),
        ("/feeds/broken.xml", FeedStatus.ERROR, "broken feed: XML error at line 2"),
        ("/status/404", FeedStatus.ERROR, "not found (404)"),
        ("/status/500", FeedStatus.ERROR, "server error (500)"),
        ("/stall", FeedStatus.ERROR, "timed out"),
        ("/gzip-bomb.xml", FeedStatus.ERROR, "too large: over 5 MB"),
        ("/huge.xml", FeedStatus.ERROR, "too large: over 5 MB"),
        ("/redirect/loop", FeedStatus.ERROR, "redirect loop"),
        ("/status/410", FeedStatus.GONE, "gone: the feed was removed (410)"),
    ],
)
async def test_bad_feeds_get_a_status_and_error_and_store_nothing(
    ctx: PipelineContext, archive: Archive, server: FeedServer,
    path: str, status: FeedStatus, error: str,
) -> None:
    bad = await add(archive, server.url(path))
    good = await add(archive, server.url("/feeds/rss1.xml"))
    reports = {report.source_id: report for report in await poll_all(ctx, only_due=False)}
    assert reports[bad.id].status is status
    assert (reports[bad.id].error or "").startswith(error)
    assert reports[bad.id].new_items == []
    assert reports[good.id].status is FeedStatus.OK and len(reports[good.id].new_items) == 2
    state = await stored(archive, bad.id)
    assert state.last_status == str(status) and (state.last_error or "").startswith(error)
    assert state.error_count == 1
    assert state.enabled is (status is not FeedStatus.GONE)
    assert state.next_fetch_at == NOW + INTERVAL
    stats = await archive.sources.stats()
    assert bad.id not in stats and stats[good.id][0] == 2


@pytest.mark.parametrize(
    ("path", "warning", "new"),
    [
        ("/feeds/empty.xml", "the feed has no entries", 0),
        ("/feeds/wrong-charset.xml", "read despite errors (3 entries): the declared charset", 3),
    ],
)
async def test_feeds_read_with_problems_are_warnings(
    ctx: PipelineContext, archive: Archive, server: FeedServer, path: str, warning: str, new: int
) -> None:
    server.set_feed(path, (await ctx.fetcher.fetch(server.url(path))).body,
                    content_type="application/rss+xml; charset=utf-8")
    report = await refresh(ctx, await add(archive, server.url(path)))
    assert report.status is FeedStatus.WARNING and report.error is None
    assert (report.warning or "").startswith(warning)
    assert len(report.new_items) == new
    state = await stored(archive, report.source_id)
    assert state.last_status == "warning" and (state.last_error or "").startswith(warning)
    assert state.error_count == 0


async def test_messy_entries_are_cleaned_before_storing(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    for path in ("/feeds/duplicate-guids.xml", "/feeds/no-link-title.xml",
                 "/feeds/future-dates.xml", "/feeds/markup-titles.xml"):
        await add(archive, server.url(path))
    reports = await poll_all(ctx, only_due=False)
    assert [len(report.new_items) for report in reports] == [2, 3, 3, 2]
    assert all(report.status is FeedStatus.OK for report in reports)
    items = [item for report in reports for item in report.new_items]
    assert all(item.published_at <= NOW for item in items)
    assert not any("<" in item.title or "alert" in item.title for item in items)


async def test_retry_after_and_backoff_schedule_the_next_poll(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    limited = await add(archive, server.url("/status/429"))
    await refresh(ctx, limited)
    assert (await stored(archive, limited.id)).next_fetch_at == NOW + 120

    failing = await add(archive, server.url("/status/500"))
    delays = []
    for _ in range(12):
        await refresh(ctx, await stored(archive, failing.id))
        delays.append((await stored(archive, failing.id)).next_fetch_at - NOW)
    assert delays[:4] == [INTERVAL, 2 * INTERVAL, 4 * INTERVAL, 8 * INTERVAL]
    assert delays[-1] == MAX_BACKOFF
    assert (await stored(archive, failing.id)).error_count == 12

    server.set_feed("/status/500", (await ctx.fetcher.fetch(server.url("/feeds/rss1.xml"))).body)
    await refresh(ctx, await stored(archive, failing.id))
    recovered = await stored(archive, failing.id)
    assert (recovered.error_count, recovered.last_error) == (0, None)
    assert recovered.next_fetch_at == NOW + INTERVAL


async def test_permanent_redirect_moves_the_stored_url(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    moved = await add(archive, server.url("/redirect/301"))
    temporary = await add(archive, server.url("/redirect/302"))
    await poll_all(ctx, only_due=False)
    assert (await stored(archive, moved.id)).url == server.url("/feeds/rss2.xml")
    assert (await stored(archive, temporary.id)).url == server.url("/redirect/302")


async def test_poll_all_takes_only_due_and_chosen_feeds(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    first = await add(archive, server.url("/feeds/rss1.xml"))
    second = await add(archive, server.url("/feeds/atom.xml"))
    assert len(await poll_all(ctx)) == 2
    assert await poll_all(ctx) == []  # nothing is due until the interval passes
    assert isinstance(ctx.clock, Clock)
    ctx.clock.now += INTERVAL
    chosen = await poll_all(ctx, source_ids=[second.id])
    assert [report.source_id for report in chosen] == [second.id]
    await archive.sources.set_enabled(first.id, False)
    assert [r.source_id for r in await poll_all(ctx, only_due=False)] == [second.id]


class ExplodingClassifier(Classifier):
    """Fails on one item, as a bug in a later stage would."""

    def classify(self, title: str, text: str, language: str = "") -> Verdict:
        if "каток" in title:
            raise RuntimeError("classifier bug")
        return Verdict(relevant=True, score=1.0)


async def test_a_failing_stage_stores_nothing_and_other_feeds_go_on(
    ctx: PipelineContext, archive: Archive, server: FeedServer, classifier: Classifier
) -> None:
    ctx.classifier = ExplodingClassifier.from_entries([])
    bad = await add(archive, server.url("/feeds/rss2.xml"))
    good = await add(archive, server.url("/feeds/rss1.xml"))
    reports = {r.source_id: r for r in await poll_all(ctx, only_due=False)}
    assert reports[bad.id].status is FeedStatus.ERROR
    assert reports[bad.id].error == "internal error: RuntimeError: classifier bug"
    assert len(reports[good.id].new_items) == 2
    assert bad.id not in await archive.sources.stats()
    assert (await stored(archive, bad.id)).error_count == 1


async def test_a_failing_write_leaves_no_half_feed(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    source = await add(archive, server.url("/feeds/rss2.xml"))
    # Fault injection at the storage layer: the third insert of the refresh is refused.
    await archive.db.writer.execute(
        "CREATE TEMP TRIGGER refuse_third BEFORE INSERT ON items"
        " WHEN new.guid LIKE '%1003' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    (report,) = await poll_all(ctx, only_due=False)
    assert report.status is FeedStatus.ERROR and "disk trouble" in (report.error or "")
    assert await archive.items.count() == 0
    state = await stored(archive, source.id)
    assert state.etag is None and state.last_success_at is None  # no 304 would hide the items


async def test_cpu_work_leaves_the_event_loop_free(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    text = "Некоммерческие организации провели {n}-й форум гражданского общества. " * 10
    entries = [FeedEntry(f"Новость номер {n}", text.format(n=n), link=f"https://ex.kz/{n}")
               for n in range(200)]
    server.set_feed("/big.xml", rss_document("Большая лента", entries))
    await add(archive, server.url("/big.xml"))
    longest_gap = 0.0
    done = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal longest_gap
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            longest_gap = max(longest_gap, now - last)
            last = now

    beating = asyncio.create_task(heartbeat())
    try:
        (report,) = await poll_all(ctx, only_due=False)
    finally:
        done.set()
        await beating
    assert len(report.new_items) == 200
    assert longest_gap < 0.5, f"the event loop was blocked for {longest_gap:.2f} s"


async def test_probe_checks_a_feed_without_storing(
    ctx: PipelineContext, archive: Archive, server: FeedServer
) -> None:
    probe = await probe_feed(ctx, server.url("/redirect/relative"))
    assert probe.error is None and not probe.is_html_page
    assert probe.url == server.url("/feeds/atom.xml")
    assert (probe.title, probe.language, probe.item_count) == ("Дала жаңалықтары", "kk", 2)
    assert probe.kept_count >= 1
    assert await archive.sources.all() == [] and await archive.items.count() == 0


async def test_probe_of_a_web_page_hands_back_the_page(
    ctx: PipelineContext, server: FeedServer
) -> None:
    probe = await probe_feed(ctx, server.url("/site/"))
    assert probe.is_html_page and b'type="application/rss+xml"' in probe.body
    assert probe.error == "not a feed: the address gives a web page (HTML)"


@pytest.mark.parametrize(
    ("path", "error"),
    [("/status/404", "not found (404)"), ("/feeds/broken.xml", "broken feed: XML error")],
)
async def test_probe_reports_errors(
    ctx: PipelineContext, server: FeedServer, path: str, error: str
) -> None:
    probe = await probe_feed(ctx, server.url(path))
    assert (probe.error or "").startswith(error) and probe.item_count == 0
