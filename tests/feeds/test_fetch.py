"""The fetcher against the fake site on loopback: bodies, 304, errors in words, caps, redirects."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import pytest

from feeds.fetch import Fetcher, describe_status, parse_retry_after
from feeds.netguard import AddressPolicy
from tests.fakes.feed_server import FeedServer

LOOPBACK_ONLY = AddressPolicy(also_allowed=(ipaddress.ip_network("127.0.0.1/32"),))


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer(stall_seconds=5) as running:
        yield running


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True, total_timeout=1.0, connect_timeout=1.0) as started:
        yield started


async def test_fetch_returns_body_and_validators(server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(server.url("/feeds/rss2.xml"))
    assert result.ok and result.status == 200
    assert result.body.startswith(b"<?xml")
    assert result.content_type.startswith("application/rss+xml")
    assert result.etag and result.last_modified


async def test_matching_etag_gives_304_without_body(server: FeedServer, fetcher: Fetcher) -> None:
    first = await fetcher.fetch(server.url("/feeds/rss2.xml"))
    again = await fetcher.fetch(server.url("/feeds/rss2.xml"), etag=first.etag)
    assert again.not_modified and again.body == b"" and again.error is None
    by_date = await fetcher.fetch(server.url("/feeds/rss2.xml"),
                                  last_modified=first.last_modified)
    assert by_date.not_modified


async def test_changed_feed_is_served_in_full_despite_old_etag(
    server: FeedServer, fetcher: Fetcher
) -> None:
    server.set_feed("/mine.xml", b"<rss version='2.0'><channel></channel></rss>")
    first = await fetcher.fetch(server.url("/mine.xml"))
    server.set_feed("/mine.xml", b"<rss version='2.0'><channel><title>new</title></channel></rss>")
    second = await fetcher.fetch(server.url("/mine.xml"), etag=first.etag)
    assert second.status == 200 and b"new" in second.body


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/status/404", 404, "not found (404)"),
        ("/status/410", 410, "gone: the feed was removed (410)"),
        ("/status/500", 500, "server error (500)"),
        ("/status/403", 403, "forbidden (403)"),
        ("/nowhere", 404, "not found (404)"),
    ],
)
async def test_http_errors_in_plain_words(
    server: FeedServer, fetcher: Fetcher, path: str, status: int, error: str
) -> None:
    result = await fetcher.fetch(server.url(path))
    assert (result.status, result.error) == (status, error)
    assert not result.ok


@pytest.mark.parametrize("code", [429, 503])
async def test_retry_after_is_read(server: FeedServer, fetcher: Fetcher, code: int) -> None:
    result = await fetcher.fetch(server.url(f"/status/{code}"))
    assert result.status == code and result.retry_after == 120.0


async def test_stalled_server_times_out(server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(server.url("/stall"))
    assert result.error == "timed out" and result.status is None


async def test_gzip_bomb_is_cut_off_after_decompression(
    server: FeedServer, fetcher: Fetcher
) -> None:
    result = await fetcher.fetch(server.url("/gzip-bomb.xml"))
    assert result.error == "too large: over 5 MB"
    assert result.body == b""


async def test_huge_feed_is_cut_off_while_streaming(server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(server.url("/huge.xml"))
    assert result.error == "too large: over 5 MB"


async def test_cap_is_configurable(server: FeedServer) -> None:
    async with Fetcher(allow_private=True, max_bytes=1000) as small:
        result = await small.fetch(server.url("/feeds/rss2.xml"))
    assert result.error == "too large: over 0.001 MB"


async def test_unreachable_host_is_an_error_not_an_exception(fetcher: Fetcher) -> None:
    result = await fetcher.fetch("http://127.0.0.1:9/feed.xml")
    assert result.error is not None and result.error.startswith("unreachable:")


@pytest.mark.parametrize(
    ("path", "final", "permanent"),
    [
        ("/redirect/301", "/feeds/rss2.xml", True),
        ("/redirect/308", "/feeds/rss2.xml", True),
        ("/redirect/302", "/feeds/rss2.xml", False),
        ("/redirect/307", "/feeds/rss2.xml", False),
        ("/redirect/relative", "/feeds/atom.xml", True),
        ("/redirect/chain/5", "/feeds/rss2.xml", False),
    ],
)
async def test_redirects_are_followed(
    server: FeedServer, fetcher: Fetcher, path: str, final: str, permanent: bool
) -> None:
    result = await fetcher.fetch(server.url(path))
    assert result.ok and result.url == server.url(final)
    assert result.permanent_redirect_to == (server.url(final) if permanent else None)


async def test_too_many_redirects(server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(server.url("/redirect/chain/6"))
    assert result.error == "too many redirects (more than 5)"
    assert server.hits("/feeds/rss2.xml") == 0


async def test_redirect_loop(server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(server.url("/redirect/loop"))
    assert result.error == "redirect loop"


async def test_private_addresses_are_refused_without_a_request(server: FeedServer) -> None:
    async with Fetcher() as guarded:
        literal = await guarded.fetch(server.url("/feeds/rss2.xml"))
        by_name = await guarded.fetch(server.url("/feeds/rss2.xml").replace("127.0.0.1",
                                                                            "localhost"))
    assert literal.error == "not allowed: private address"
    assert by_name.error == "not allowed: private address"
    assert server.hits("/feeds/rss2.xml") == 0


async def test_redirect_to_a_private_address_is_refused(server: FeedServer) -> None:
    guarded = Fetcher()
    guarded.address_policy = LOOPBACK_ONLY  # admit the fake site, nothing else private
    async with guarded:
        allowed = await guarded.fetch(server.url("/feeds/rss2.xml"))
        redirected = await guarded.fetch(server.url("/redirect/private"))
        other_loopback = await guarded.fetch(server.url("/x").replace("127.0.0.1", "127.0.0.2"))
    assert allowed.ok
    assert redirected.error == "not allowed: private address"
    assert redirected.url == "http://10.0.0.1/feed.xml"
    assert other_loopback.error == "not allowed: private address"


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.kz/feed", "not allowed: only http and https addresses"),
        ("file:///etc/passwd", "not allowed: only http and https addresses"),
        ("http:///nohost", "not allowed: the address has no host"),
        ("http://169.254.169.254/latest/meta-data", "not allowed: private address"),
        ("http://[::1]/feed", "not allowed: private address"),
        ("http://[::ffff:10.0.0.1]/feed", "not allowed: private address"),
        ("http://224.0.0.1/feed", "not allowed: private address"),
        ("http://0.0.0.0/feed", "not allowed: private address"),
    ],
)
async def test_address_policy(url: str, error: str) -> None:
    async with Fetcher() as guarded:
        result = await guarded.fetch(url)
    assert result.error == error


def test_retry_after_forms() -> None:
    assert parse_retry_after("30", 0) == 30
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 40) == 60
    assert parse_retry_after("999999999", 0) == 86_400
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after(None, 0) is None
    assert describe_status(599) == "server error (599)"
    assert describe_status(418) == "refused (418)"
