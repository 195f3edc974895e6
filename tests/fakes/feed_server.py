"""A fake news site on loopback: feeds with ETag/304, article pages, and every kind of bad answer.

    async with FeedServer() as server:                 # 127.0.0.1, a free port
        url = server.url("/feeds/rss2.xml")            # a fixture from tests/data/feeds/
        server.set_feed("/mine.xml", rss_document("T", [FeedEntry("Title", "Text")]))
        server.set_page("/news/1", "<html>...</html>")  # an article page
        ...
        server.set_feed("/mine.xml", other_body)       # the next poll sees new content
        assert server.hits("/mine.xml") == 2

Built in, at fixed paths:
- `/feeds/<file>`: every file in tests/data/feeds/ (content type by extension, ETag and
  Last-Modified, 304 on a matching If-None-Match / If-Modified-Since);
- `/site/`: an HTML page declaring `/feeds/rss2.xml` as its feed (for discovery);
- `/status/<code>`: that status (429 and 503 with `Retry-After: 120`);
- `/stall`: accepts the request and never answers, until `stall_seconds` pass or the server
  stops (so a client's timeout is what ends it);
- `/gzip-bomb.xml`: a few hundred kilobytes of gzip that inflate to 50 MB;
- `/huge.xml`: a 50 MB feed, generated while it is streamed;
- `/redirect/301`, `/redirect/302`, `/redirect/308` → `/feeds/rss2.xml`; `/redirect/chain/N`
  (N hops, then the feed); `/redirect/loop`; `/redirect/private` (to 10.0.0.1);
  `/redirect/relative` (a relative Location).

Tests add their own with `set_feed`, `set_page`, `set_status`, `set_redirect` or
`set_route` (any aiohttp handler). `hits(path)` counts requests; `requests` logs them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import hashlib
import html
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "feeds"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 50 * 1024 * 1024
_CONTENT_TYPES = {".xml": "application/rss+xml", ".html": "text/html; charset=utf-8"}


@dataclass(slots=True)
class FeedEntry:
    """One entry of a generated feed."""

    title: str
    text: str
    link: str = ""
    guid: str = ""
    published: float | None = None


def rss_document(
    title: str, entries: Iterable[FeedEntry], *, link: str = "https://example.kz/",
    language: str = "ru", encoding: str = "utf-8",
) -> bytes:
    """An RSS 2.0 document with these entries (texts escaped, descriptions as HTML)."""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
        f"<description>{html.escape(title)}</description><language>{language}</language>"
    ]
    for entry in entries:
        parts.append("<item>")
        parts.append(f"<title>{html.escape(entry.title)}</title>")
        if entry.link:
            parts.append(f"<link>{html.escape(entry.link)}</link>")
        if entry.guid:
            parts.append(f'<guid isPermaLink="false">{html.escape(entry.guid)}</guid>')
        if entry.published is not None:
            parts.append(f"<pubDate>{email.utils.formatdate(entry.published)}</pubDate>")
        parts.append(f"<description>{html.escape(entry.text)}</description></item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode(encoding, errors="xmlcharrefreplace")


@dataclass(slots=True)
class _Document:
    body: bytes
    content_type: str
    etag: str
    last_modified: str
    conditional: bool = True


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    """The fake site. Start it with `async with`, or `start()` then `stop()`."""

    def __init__(self, *, host: str = "127.0.0.1", stall_seconds: float = 30.0) -> None:
        self.host = host
        self.stall_seconds = stall_seconds
        self.requests: list[RecordedRequest] = []
        self._counts: Counter[str] = Counter()
        self._documents: dict[str, _Document] = {}
        self._routes: dict[str, Handler] = {}
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._add_builtin_routes()

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        await asyncio.to_thread(_gzip_bomb_body)  # built once per process, off the loop
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FeedServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- what tests use ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def hits(self, path: str) -> int:
        """How many requests `path` has had."""
        return self._counts[path]

    def set_feed(
        self, path: str, body: bytes | str, *,
        content_type: str = "application/rss+xml; charset=utf-8", conditional: bool = True,
    ) -> None:
        """Serve `body` at `path` (replacing what was there: the next poll sees the change).

        The ETag is the body's hash and Last-Modified the time of the call, so a changed
        body is never answered with 304; `conditional=False` ignores conditional headers.
        """
        data = body.encode() if isinstance(body, str) else body
        self._routes.pop(path, None)
        self._documents[path] = _Document(
            body=data,
            content_type=content_type,
            etag='"' + hashlib.sha256(data).hexdigest()[:20] + '"',
            last_modified=email.utils.formatdate(time.time(), usegmt=True),
            conditional=conditional,
        )

    def set_page(self, path: str, html_text: str) -> None:
        """Serve an HTML page (an article) at `path`."""
        self.set_feed(path, html_text, content_type="text/html; charset=utf-8")

    def set_status(
        self, path: str, status: int, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        """Answer `path` with `status` (and these headers and body)."""
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, body=body, headers=headers or {})
        self.set_route(path, handler)

    def set_redirect(self, path: str, target: str, status: int = 301) -> None:
        """Redirect `path` to `target` (a path on this server or an absolute URL)."""
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": target})
        self.set_route(path, handler)

    def set_route(self, path: str, handler: Handler) -> None:
        """Answer `path` with any aiohttp handler."""
        self._documents.pop(path, None)
        self._routes[path] = handler

    # --- serving ----------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self._counts[path] += 1
        self.requests.append(RecordedRequest(request.method, path, dict(request.headers)))
        document = self._documents.get(path)
        if document is not None:
            return self._serve_document(request, document)
        handler = self._routes.get(path)
        if handler is None and path.startswith("/redirect/chain/"):
            handler = self._chain
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)

    @staticmethod
    def _serve_document(request: web.Request, document: _Document) -> web.StreamResponse:
        headers = {"ETag": document.etag, "Last-Modified": document.last_modified}
        if document.conditional and _unchanged_for(request, document):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = document.content_type
        return web.Response(body=document.body, headers=headers)

    def _add_builtin_routes(self) -> None:
        for fixture in sorted(FIXTURES.iterdir()):
            content_type = _CONTENT_TYPES.get(fixture.suffix)
            if content_type is not None:
                self.set_feed(f"/feeds/{fixture.name}", fixture.read_bytes(),
                              content_type=content_type)
        self.set_page("/site/", (FIXTURES / "html-page.html").read_text(encoding="utf-8"))
        for code in (400, 403, 404, 410, 500, 502):
            self.set_status(f"/status/{code}", code, body=b"error page")
        for code in (429, 503):
            self.set_status(f"/status/{code}", code, headers={"Retry-After": "120"})
        for code in (301, 302, 307, 308):
            self.set_redirect(f"/redirect/{code}", "/feeds/rss2.xml", code)
        self.set_redirect("/redirect/loop", "/redirect/loop-back", 302)
        self.set_redirect("/redirect/loop-back", "/redirect/loop", 302)
        self.set_redirect("/redirect/private", "http://10.0.0.1/feed.xml", 302)
        self.set_redirect("/redirect/relative", "../feeds/atom.xml", 301)
        self.set_route("/stall", self._stall)
        self.set_route("/gzip-bomb.xml", self._gzip_bomb)
        self.set_route("/huge.xml", self._huge)

    async def _chain(self, request: web.Request) -> web.StreamResponse:
        hops = int(request.path.rsplit("/", 1)[1] or 0)
        target = "/feeds/rss2.xml" if hops <= 1 else f"/redirect/chain/{hops - 1}"
        return web.Response(status=302, headers={"Location": target})

    async def _stall(self, request: web.Request) -> web.StreamResponse:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.stall_seconds)
        return web.Response(status=503, text="gave up stalling")

    async def _gzip_bomb(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=_gzip_bomb_body(), headers={
            "Content-Type": "application/rss+xml", "Content-Encoding": "gzip",
        })

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>')
        item = (b"<item><title>Filler</title><description>" + b"x" * 4000
                + b"</description></item>")
        sent = 0
        try:
            while sent < HUGE_BYTES:
                await response.write(item * 16)
                sent += len(item) * 16
            await response.write(b"</channel></rss>")
        except (ConnectionError, RuntimeError):
            return response  # the client hung up, as a capped client should
        return response


@functools.cache
def _gzip_bomb_body() -> bytes:
    """A few hundred kilobytes of gzip that inflate to BOMB_BYTES of a feed's start."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: gzip framing
    block = b" " * (1024 * 1024)
    chunks = [packer.compress(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')]
    chunks += [packer.compress(block) for _ in range(BOMB_BYTES // len(block))]
    chunks.append(packer.flush())
    return b"".join(chunks)


def _unchanged_for(request: web.Request, document: _Document) -> bool:
    """The client's copy is current (If-None-Match wins over If-Modified-Since)."""
    if "If-None-Match" in request.headers:
        return request.headers["If-None-Match"] == document.etag
    return request.headers.get("If-Modified-Since") == document.last_modified
