"""Fetching feeds and pages over HTTP: one shared session, guarded addresses, capped bodies.

`Fetcher.fetch` never raises for a network or HTTP problem: it answers with a `FetchResult`
whose `error` says in plain words what went wrong, so that callers (the pipeline, feed
discovery, the admin's /addfeed check) only ever look at a result.

Redirects are followed here, one hop at a time, so that every hop passes the address policy
(feeds.netguard) and a chain of permanent redirects can be told apart from a temporary one.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from types import TracebackType

import aiohttp
from yarl import URL

from feeds.models import FetchResult
from feeds.netguard import AddressPolicy, BlockedAddressError, GuardedResolver, check_url

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
CHUNK_BYTES = 65_536
MAX_RETRY_AFTER = 86_400.0  # a server may not park a feed for more than a day

_STATUS_WORDS = {
    400: "bad request",
    401: "needs a login",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    406: "not acceptable",
    408: "request timed out",
    410: "gone: the feed was removed",
    429: "too many requests",
    451: "unavailable for legal reasons",
    500: "server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timed out",
}


class _TooLarge(Exception):
    pass


def describe_status(status: int) -> str:
    """An HTTP error status in plain words, e.g. "not found (404)"."""
    words = _STATUS_WORDS.get(status)
    if words is None:
        words = "server error" if status >= 500 else "refused"
    return f"{words} ({status})"


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    seconds: float | None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - now
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


class Fetcher:
    """One aiohttp session for every fetch of the process; start it once, close it once."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        max_bytes: int = 5_000_000,
        connect_timeout: float = 5,
        total_timeout: float = 20,
        concurrency: int = 16,
        per_host: int = 2,
        max_redirects: int = 5,
        user_agent: str = "civic-digest/0.1 (+feed reader)",
    ) -> None:
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.concurrency = concurrency
        self.per_host = per_host
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.address_policy = AddressPolicy(allow_private=allow_private)
        """Read by `start()`; replace it before then to admit a test network."""
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Create the shared session (connection pool, guarded resolver)."""
        if self._session is not None:
            return
        connector = aiohttp.TCPConnector(
            limit=self.concurrency,
            limit_per_host=self.per_host,
            resolver=GuardedResolver(self.address_policy),
            ttl_dns_cache=60,
        )
        timeout = aiohttp.ClientTimeout(
            total=self.total_timeout,
            connect=self.connect_timeout,
            sock_read=self.total_timeout,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers={"User-Agent": self.user_agent},
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Fetcher:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET `url` following redirects; a result with a body, a 304, or an error in words.

        The whole exchange, redirects included, is bounded by `total_timeout`, and the body
        by `max_bytes` after decompression.
        """
        if self._session is None:
            raise RuntimeError("Fetcher.start() was not called")
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self.total_timeout):
                return await self._follow(self._session, url, headers)
        except TimeoutError:
            return FetchResult(url=url, status=None, error="timed out")

    async def _follow(
        self, session: aiohttp.ClientSession, url: str, headers: dict[str, str]
    ) -> FetchResult:
        seen = {url}
        permanent_to: str | None = None
        still_permanent = True
        current = url
        for _hop in range(self.max_redirects + 1):
            refused = check_url(current, self.address_policy)
            if refused:
                return FetchResult(url=current, status=None, error=refused)
            result, location = await self._request(session, current, headers)
            if location is None:
                if result.ok or result.not_modified:
                    result.permanent_redirect_to = permanent_to
                return result
            assert result.status is not None
            if result.status in PERMANENT_REDIRECTS and still_permanent:
                permanent_to = location
            else:
                still_permanent = False
            if location in seen:
                return FetchResult(url=current, status=result.status, error="redirect loop")
            seen.add(location)
            current = location
        return FetchResult(
            url=current, status=None,
            error=f"too many redirects (more than {self.max_redirects})",
        )

    async def _request(
        self, session: aiohttp.ClientSession, url: str, headers: dict[str, str]
    ) -> tuple[FetchResult, str | None]:
        """One hop: the result, and where to go next when it is a redirect."""
        try:
            async with session.get(url, headers=headers, allow_redirects=False) as response:
                return await self._read(response, url)
        except TimeoutError:
            return FetchResult(url=url, status=None, error="timed out"), None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, BlockedAddressError):
                return FetchResult(url=url, status=None, error="not allowed: private address"), None
            return FetchResult(url=url, status=None, error=f"unreachable: {_reason(exc)}"), None
        except aiohttp.ClientPayloadError as exc:
            return FetchResult(url=url, status=None, error=f"broken response: {_reason(exc)}"), None
        except aiohttp.ClientResponseError as exc:
            return FetchResult(url=url, status=exc.status or None,
                               error=f"bad response: {exc.message}"), None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return FetchResult(url=url, status=None, error=f"unreachable: {_reason(exc)}"), None

    async def _read(
        self, response: aiohttp.ClientResponse, url: str
    ) -> tuple[FetchResult, str | None]:
        status = response.status
        if status in REDIRECTS:
            location = response.headers.get("Location")
            if not location:
                return FetchResult(url=url, status=status,
                                   error=f"redirect without a location ({status})"), None
            try:
                target = response.url.join(URL(location))
            except ValueError:
                return FetchResult(url=url, status=status, error="redirect to a bad address"), None
            return FetchResult(url=url, status=status), str(target.with_fragment(None))
        result = FetchResult(
            url=url,
            status=status,
            content_type=response.headers.get("Content-Type", ""),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )
        if status == 304:
            return result, None
        if status >= 400 or status < 200:
            result.error = describe_status(status)
            if status in (429, 503):
                result.retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), time.time()
                )
            return result, None
        declared = response.content_length
        if declared is not None and declared > self.max_bytes and not response.headers.get(
            "Content-Encoding"
        ):
            result.error = f"too large: over {_megabytes(self.max_bytes)}"
            return result, None
        try:
            result.body = await self._read_capped(response)
        except _TooLarge:
            result.error = f"too large: over {_megabytes(self.max_bytes)}"
        return result, None

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        # The chunks are decompressed, so the cap holds for what we keep, not what crossed
        # the wire: a small gzip bomb is cut off at max_bytes.
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)


def _reason(exc: BaseException) -> str:
    """A short human reason for a client error, without Python's class names."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        inner = exc.os_error
        text = inner.strerror or str(inner) if inner is not None else str(exc)
        return f"{exc.host}: {text}".strip()
    text = str(exc) or type(exc).__name__
    return text[:200]
