"""A news site on loopback: article pages, plus the failures an article fetch meets.

Routes: `/article/{name}` serves a registered page (404 for an unknown name); `/missing`
answers 404; `/huge` streams an HTML page of `huge_bytes`; `/pdf` serves a document that is
not HTML. Every request's path is recorded in `requests`.
"""

from __future__ import annotations

from types import TracebackType

from aiohttp import web


class ArticleServer:
    """Start with `async with ArticleServer() as server:`; `server.url(path)` is its address."""

    def __init__(self, pages: dict[str, bytes] | None = None, huge_bytes: int = 1_000_000) -> None:
        self.pages = dict(pages or {})
        self.huge_bytes = huge_bytes
        self.requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self._port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._port}{path}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/article/{name}", self._article)
        app.router.add_get("/missing", self._missing)
        app.router.add_get("/huge", self._huge)
        app.router.add_get("/pdf", self._pdf)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ArticleServer:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def _article(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        page = self.pages.get(request.match_info["name"])
        if page is None:
            raise web.HTTPNotFound()
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    async def _missing(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        raise web.HTTPNotFound(text="<html><body><h1>Страница не найдена</h1></body></html>")

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await response.prepare(request)
        paragraph = ("<p>" + "Общественный совет обсудил проект. " * 50 + "</p>\n").encode()
        sent = 0
        try:
            await response.write(b"<html><body><article>")
            while sent < self.huge_bytes:
                await response.write(paragraph)
                sent += len(paragraph)
            await response.write(b"</article></body></html>")
        except ConnectionResetError:
            pass  # the client gave up at its size cap, as it should
        return response

    async def _pdf(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.Response(body=b"%PDF-1.4 " + b"0" * 2000, content_type="application/pdf")
