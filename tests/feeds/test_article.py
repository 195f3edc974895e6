"""Article text for teasers: real pages fetched on loopback through the real Fetcher."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from feeds.article import TEASER_MAX_CHARS, expand_teasers, extract_article_text, needs_article
from feeds.fetch import Fetcher
from feeds.models import Item, Verdict
from tests.conftest import TEST_DATA
from tests.fakes.feed_server import FeedServer

ARTICLE = (TEST_DATA / "articles" / "resource-centre.html").read_text(encoding="utf-8")
TITLE = "В Караганде открылся ресурсный центр для НКО"
TEASER = "Областной центр будет консультировать общественные объединения."
UNRELATED = (
    "<html><body><article>"
    + "<p>Синоптики обещают тёплую погоду на выходных во всех регионах страны.</p>" * 20
    + "</article></body></html>"
)
FETCH_CAP_BYTES = 200_000


async def _huge_page(request: web.Request) -> web.StreamResponse:
    """An HTML article far over the fetch cap, generated while it is streamed."""
    response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
    await response.prepare(request)
    paragraph = ("<p>" + "Общественный совет обсудил проект. " * 50 + "</p>\n").encode()
    with contextlib.suppress(ConnectionResetError):  # the client stops at its cap
        await response.write(b"<html><body><article>")
        for _ in range(FETCH_CAP_BYTES * 3 // len(paragraph)):
            await response.write(paragraph)
        await response.write(b"</article></body></html>")
    return response


async def _pdf(request: web.Request) -> web.StreamResponse:
    return web.Response(body=b"%PDF-1.4 " + b"0" * 2000, content_type="application/pdf")


def _item(url: str, *, text: str = TEASER, relevant: bool = True, title: str = TITLE) -> Item:
    now = time.time()
    return Item(
        source_id=1, guid=url, url=url, canonical_url=url, title=title, text=text,
        language="ru", published_at=now, fetched_at=now, content_hash="h",
        verdict=Verdict(relevant=relevant, score=1.0 if relevant else 0.0),
    )


@pytest.fixture
async def site() -> AsyncIterator[FeedServer]:
    async with FeedServer() as server:
        server.set_page("/article/centre", ARTICLE)
        server.set_page("/article/weather", UNRELATED)
        server.set_route("/article/huge", _huge_page)
        server.set_route("/article/report.pdf", _pdf)
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True, max_bytes=FETCH_CAP_BYTES, total_timeout=10) as f:
        yield f


async def test_a_teaser_becomes_the_article_text(site: FeedServer, fetcher: Fetcher) -> None:
    item = _item(site.url("/article/centre"))
    await expand_teasers(fetcher, [item])
    assert len(item.text) > TEASER_MAX_CHARS
    assert item.text.startswith("КАРАГАНДА. Областной ресурсный центр")
    assert "двенадцать семинаров" in item.text
    assert "\n\n" in item.text  # paragraphs kept apart
    assert TITLE not in item.text  # the page's headline is not the text's first line
    for chrome in ("Главная", "Популярное", "Курс доллара", "Все права защищены"):
        assert chrome not in item.text


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/status/404", "not fetched"),
        ("/article/nothing-here", "not fetched"),
        ("/status/500", "not fetched"),
        ("/article/huge", "not fetched"),
        ("/article/report.pdf", "not a web page"),
        ("/article/weather", "not about the headline"),
    ],
)
async def test_failures_leave_the_item_as_it_was(
    site: FeedServer, fetcher: Fetcher, caplog: pytest.LogCaptureFixture, path: str,
    reason: str,
) -> None:
    item = _item(site.url(path))
    with caplog.at_level(logging.INFO, logger="feeds.article"):
        await expand_teasers(fetcher, [item])
    assert item.text == TEASER
    assert site.hits(path) == 1
    logged = [r.getMessage() for r in caplog.records if r.name == "feeds.article"]
    assert any(item.url in line and reason in line for line in logged), logged


async def test_only_kept_teasers_are_fetched(site: FeedServer, fetcher: Fetcher) -> None:
    long_text = "Полный текст новости уже есть в ленте. " * 10
    dropped = _item(site.url("/article/centre"), relevant=False)
    complete = _item(site.url("/article/centre"), text=long_text)
    no_link = _item("", text=TEASER)
    await expand_teasers(fetcher, [dropped, complete, no_link])
    assert site.requests == []
    assert (dropped.text, complete.text, no_link.text) == (TEASER, long_text, TEASER)


async def test_one_failure_does_not_stop_the_others(site: FeedServer,
                                                    fetcher: Fetcher) -> None:
    good, bad = _item(site.url("/article/centre")), _item(site.url("/status/404"))
    await expand_teasers(fetcher, [bad, good])
    assert bad.text == TEASER
    assert "двенадцать семинаров" in good.text


async def test_an_unreachable_host_leaves_the_item(fetcher: Fetcher) -> None:
    item = _item("http://127.0.0.1:9/article")  # the discard port: nothing listens
    await expand_teasers(fetcher, [item])
    assert item.text == TEASER


def test_needs_article() -> None:
    assert needs_article(_item("https://news.example.kz/1"))
    assert not needs_article(_item("https://news.example.kz/1", relevant=False))
    assert not needs_article(_item("https://news.example.kz/1", text="x" * TEASER_MAX_CHARS))
    assert not needs_article(_item("ftp://news.example.kz/1"))
    unclassified = _item("https://news.example.kz/1")
    unclassified.verdict = None
    assert not needs_article(unclassified)


@pytest.mark.parametrize("body", [b"", b"\x00\xff\xfe garbage", b"<html></html>", b"<<<>>>"])
def test_extraction_of_broken_pages_gives_none_or_text(body: bytes) -> None:
    text = extract_article_text(body, "https://news.example.kz/1")
    assert text is None or isinstance(text, str)
