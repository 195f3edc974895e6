"""HTTP control routes of the fake Bot API, for tests that run the bot as a subprocess.

All take and return JSON. Users are `{"id": 1001, "language_code": "kk", "first_name": "A"}`.

- `POST /__control/updates`          an Update without update_id (or `{"updates": [...]}`)
- `POST /__control/message`          `{"user": {...}, "text": "/start", "chat": {...}?}`
- `POST /__control/press`            `{"user": {...}, "chat_id": 1, "message_id": 3, "data"|"text": "..."}`
- `POST /__control/inline`           `{"user": {...}, "query": "...", "offset": ""}`
- `POST /__control/document`         `{"user": {...}, "file_name": "a.opml", "content_base64": "..."}`
- `POST /__control/errors`           `{"kind": "blocked"|"deactivated"|"kicked"|"chat_not_found"|
                                      "bad_gateway"|"drop"|"retry_after"|"migrate", "chat_id": 1?,
                                      "times": 3?, "retry_after": 5?, "migrate_to_chat_id": -100..?,
                                      "methods": ["sendMessage"]? or null for every method}`
- `DELETE /__control/errors`         `?chat_id=1` or all
- `POST /__control/limits`           FloodLimits fields, or `{"off": true}`
- `POST /__control/channel`          `{"chat_id": -100.., "username": "name", "admins": [ids], "bot_status": "administrator"}`
- `GET  /__control/calls`            `?method=sendMessage&chat_id=1`
- `GET  /__control/messages`         `?chat_id=1` (messages delivered, as sent)
- `GET  /__control/stats`            counters and pending updates
"""

from __future__ import annotations

import base64
import dataclasses
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.telegram_flood import FloodLimits
from tests.fakes.telegram_state import (
    BAD_GATEWAY,
    BLOCKED,
    CHAT_NOT_FOUND,
    DEACTIVATED,
    DROP_CONNECTION,
    KICKED,
    ApiError,
    migrated,
    too_many_requests,
)
from tests.fakes.telegram_updates import FakeUser

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeTelegram

_FIXED_ERRORS = {
    "blocked": BLOCKED,
    "deactivated": DEACTIVATED,
    "kicked": KICKED,
    "chat_not_found": CHAT_NOT_FOUND,
    "bad_gateway": BAD_GATEWAY,
    "drop": DROP_CONNECTION,
}


def _user(fake: FakeTelegram, raw: dict[str, Any]) -> FakeUser:
    return fake.user(
        int(raw["id"]),
        first_name=str(raw.get("first_name", "Test")),
        language_code=raw.get("language_code", "ru"),
        username=raw.get("username"),
    )


def _error(body: dict[str, Any]) -> ApiError:
    kind = str(body.get("kind", ""))
    if kind in _FIXED_ERRORS:
        return _FIXED_ERRORS[kind]
    if kind == "retry_after":
        return too_many_requests(int(body.get("retry_after", 1)))
    if kind == "migrate":
        return migrated(int(body["migrate_to_chat_id"]))
    raise web.HTTPBadRequest(text=f"unknown error kind {kind!r}")


def add_control_routes(app: web.Application, fake: FakeTelegram) -> None:
    """Register /__control/... on the fake's aiohttp app."""

    async def updates(request: web.Request) -> web.Response:
        body = await request.json()
        batch = body.get("updates", [body]) if isinstance(body, dict) else body
        queued = [fake.enqueue(update) for update in batch]
        return web.json_response({"update_ids": [u["update_id"] for u in queued]})

    async def message(request: web.Request) -> web.Response:
        body = await request.json()
        update = fake.send_text(_user(fake, body["user"]), str(body["text"]), chat=body.get("chat"))
        return web.json_response(update)

    async def press(request: web.Request) -> web.Response:
        body = await request.json()
        target = fake.message(int(body["chat_id"]), int(body["message_id"]))
        if target is None:
            raise web.HTTPNotFound(text="no such message")
        update = fake.press_button(
            _user(fake, body["user"]), target, body.get("data"), text=body.get("text")
        )
        return web.json_response(update)

    async def inline(request: web.Request) -> web.Response:
        body = await request.json()
        update = fake.inline_query(
            _user(fake, body["user"]), str(body["query"]), str(body.get("offset", ""))
        )
        return web.json_response(update)

    async def document(request: web.Request) -> web.Response:
        body = await request.json()
        update = fake.send_document(
            _user(fake, body["user"]),
            base64.b64decode(body["content_base64"]),
            str(body["file_name"]),
            mime_type=str(body.get("mime_type", "application/octet-stream")),
            caption=body.get("caption"),
        )
        return web.json_response(update)

    async def errors(request: web.Request) -> web.Response:
        if request.method == "DELETE":
            chat_id = request.query.get("chat_id")
            fake.clear_errors(int(chat_id) if chat_id else None)
            return web.json_response({"ok": True})
        body = await request.json()
        chat_id = body.get("chat_id")
        fake.fail(
            _error(body),
            chat_id=int(chat_id) if chat_id is not None else None,
            times=body.get("times"),
            **({"methods": body["methods"]} if "methods" in body else {}),
        )
        return web.json_response({"ok": True})

    async def limits(request: web.Request) -> web.Response:
        body = await request.json()
        fake.set_limits(None if body.get("off") else FloodLimits(**body))
        return web.json_response({"ok": True})

    async def channel(request: web.Request) -> web.Response:
        body = await request.json()
        chat = fake.add_channel(
            int(body["chat_id"]),
            str(body["username"]),
            title=str(body.get("title", "Test channel")),
            bot_status=str(body.get("bot_status", "administrator")),
            admins=[int(a) for a in body.get("admins", [])],
        )
        return web.json_response(chat)

    async def calls(request: web.Request) -> web.Response:
        chat_id = request.query.get("chat_id")
        found = fake.calls(request.query.get("method"), int(chat_id) if chat_id else None)
        return web.json_response([dataclasses.asdict(c) for c in found])

    async def messages(request: web.Request) -> web.Response:
        chat_id = request.query.get("chat_id")
        return web.json_response(fake.sent_messages(int(chat_id) if chat_id else None))

    async def stats(request: web.Request) -> web.Response:
        counters = dataclasses.asdict(fake.stats)
        counters["errors"] = {str(k): v for k, v in fake.stats.errors.items()}
        counters["pending_updates"] = fake.pending_updates
        return web.json_response(counters)

    app.router.add_post("/__control/updates", updates)
    app.router.add_post("/__control/message", message)
    app.router.add_post("/__control/press", press)
    app.router.add_post("/__control/inline", inline)
    app.router.add_post("/__control/document", document)
    app.router.add_route("*", "/__control/errors", errors)
    app.router.add_post("/__control/limits", limits)
    app.router.add_post("/__control/channel", channel)
    app.router.add_get("/__control/calls", calls)
    app.router.add_get("/__control/messages", messages)
    app.router.add_get("/__control/stats", stats)
