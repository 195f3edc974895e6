"""Feed discovery: which URLs a page declares or probably has, and which of them are feeds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.discover import (
    COMMON_PATHS,
    FeedLink,
    candidate_urls,
    discover_feeds,
    find_feed_links,
    looks_like_feed,
)
from feeds.models import FetchResult

PAGE = "https://ngo.example.kz/news/index.html"

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
ATOM = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title></feed>'
HTML = b"<!doctype html><html><head><title>Site</title></head><body>news</body></html>"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<link rel="alternate" type="application/rss+xml" href="/rss.xml" title="Новости">',
         [FeedLink("https://ngo.example.kz/rss.xml", "Новости")]),
        ('<link rel="alternate" type="application/atom+xml" href="atom">',
         [FeedLink("https://ngo.example.kz/news/atom")]),
        ('<LINK REL="Alternate Home" TYPE="Application/RSS+XML; charset=utf-8" HREF="//cdn.example.kz/f">',
         [FeedLink("https://cdn.example.kz/f")]),
        ('<base href="https://other.example.kz/x/"><link rel="alternate" type="application/rss+xml" href="f.xml">',
         [FeedLink("https://other.example.kz/x/f.xml")]),
        ('<link rel="alternate" type="text/html" href="/ru/">', []),
        ('<link rel="stylesheet" type="application/rss+xml" href="/s">', []),
        ('<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">', []),
        ('<link rel="alternate" type="application/rss+xml" href="">', []),
        ('<link rel="alternate" type="application/rss+xml" href="/a#x"/>'
         '<link rel="alternate" type="application/rss+xml" href="/a">',
         [FeedLink("https://ngo.example.kz/a")]),
    ],
)
def test_find_feed_links(head: str, expected: list[FeedLink]) -> None:
    body = f"<html><head>{head}</head><body></body></html>".encode()
    assert find_feed_links(body, PAGE) == expected


def test_find_feed_links_reads_the_declared_charset() -> None:
    body = (
        '<html><head><meta charset="windows-1251">'
        '<link rel="alternate" type="application/rss+xml" href="/rss" title="Лента">'
    ).encode("cp1251")
    assert find_feed_links(body, PAGE) == [FeedLink("https://ngo.example.kz/rss", "Лента")]


def test_candidates_put_declared_feeds_first_then_common_paths() -> None:
    body = b'<link rel="alternate" type="application/rss+xml" href="/feed">'
    urls = [c.url for c in candidate_urls(body, PAGE)]
    assert urls[0] == "https://ngo.example.kz/feed"
    assert len(urls) == len(set(urls))
    assert set(urls) == {"https://ngo.example.kz" + p for p in COMMON_PATHS}


@given(st.text(max_size=2000))
def test_find_feed_links_never_raises(text: str) -> None:
    for link in find_feed_links(text, PAGE):
        assert link.url.startswith(("http://", "https://"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [(RSS, True), (ATOM, True), (b"<rdf:RDF xmlns:rdf='x'>", True), (HTML, False),
     (b"", False), (b"<html><body><rss>", False)],
)
def test_looks_like_feed(body: bytes, expected: bool) -> None:
    assert looks_like_feed(body) is expected


async def test_discover_keeps_only_candidates_that_answer_with_a_feed() -> None:
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/declared" title="D">'
        b'<link rel="alternate" type="application/atom+xml" href="/broken"></head></html>'
    )
    bodies = {
        "https://ngo.example.kz/declared": RSS,
        "https://ngo.example.kz/broken": HTML,
        "https://ngo.example.kz/atom.xml": ATOM,
    }
    asked: list[str] = []

    async def fetch(url: str) -> FetchResult:
        asked.append(url)
        if url == "https://ngo.example.kz/rss":
            raise OSError("connection reset")
        if url in bodies:
            return FetchResult(url=url, status=200, body=bodies[url])
        return FetchResult(url=url, status=404, error="404 Not Found")

    found = await discover_feeds(PAGE, page, fetch)
    assert found == [
        FeedLink("https://ngo.example.kz/declared", "D"),
        FeedLink("https://ngo.example.kz/atom.xml"),
    ]
    assert "https://ngo.example.kz/news/rss" in asked


@given(st.text(max_size=200), st.text(max_size=200))
def test_any_declared_href_is_resolved_or_skipped(href: str, base: str) -> None:
    page = (
        f'<base href="{base}"><link rel="alternate" type="application/rss+xml" href="{href}">'
    )
    for link in find_feed_links(page, PAGE):
        assert link.url.startswith(("http://", "https://"))


def test_malformed_hosts_are_skipped() -> None:
    page = '<link rel="alternate" type="application/rss+xml" href="http://[broken/rss">'
    assert find_feed_links(page, PAGE) == []
