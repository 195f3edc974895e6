"""A faithful fake Telegram Bot API server on loopback, for tests and benchmarks.

The bot's real aiogram session talks to it through `TELEGRAM_API_URL`:

    async with FakeTelegram() as fake:                       # 127.0.0.1, a free port
        session = AiohttpSession(api=TelegramAPIServer.from_base(fake.url))
        bot = Bot(fake.token, session=session)
        alice = fake.user(1001, language_code="kk")
        fake.send_text(alice, "/search НКО")                 # queued for getUpdates
        replies = await fake.wait_for_messages(alice.id, 1)  # what the bot sent to that chat

What it does like the real server (tech-notes §1-3):
- `POST|GET /bot<token>/<method>`: methods case-insensitive; urlencoded, multipart or JSON
  bodies; nested JSON fields decoded. `GET /file/bot<token>/<path>` serves files.
- errors with HTTP status = error_code and Telegram's wording: 401 unknown token, 404 unknown
  method, 400 bad HTML / too long / empty / chat not found / not modified, 403, 409, 429 with
  `parameters.retry_after` and a `Retry-After` header;
- flood limits on sending methods (telegram_flood.FloodLimits: ~1/s per chat with a burst,
  20/min per group, 30/s overall), changeable with `set_limits()`;
- getUpdates long polls up to `timeout`, confirms below `offset`, honours `limit` and
  `allowed_updates`, and a second poll ends the first with 409. With a webhook set, updates are
  POSTed to it instead (with the secret token header).

What tests control (Python; the same through `/__control/...` for subprocess tests, see
telegram_control.py): updates (`send_text`, `press_button`, `inline_query`, `send_document`,
`membership`, `channel_post`, `enqueue`), errors per chat or for the next N calls (`fail`,
`fail_next`, `block`, `migrate`...), chats and admins (`add_channel`, `set_member`), and what
happened (`calls`, `sent_messages`, `texts`, `wait_for_messages`, `wait_for_calls`, `stats`).

Run it alone: `python -m tests.fakes.telegram_api --port 8081 [--token T] [--no-limits]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.util
import json
import logging
import re
import signal
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes import telegram_methods as methods
from tests.fakes.telegram_flood import FloodControl, FloodLimits
from tests.fakes.telegram_state import (
    BAD_GATEWAY,
    BLOCKED,
    CHAT_NOT_FOUND,
    CONFLICT_OTHER_POLL,
    CONFLICT_WEBHOOK,
    DEACTIVATED,
    DROP_CONNECTION,
    KICKED,
    METHOD_NOT_FOUND,
    UNAUTHORIZED,
    ApiError,
    BotState,
    Refusal,
    bad_request,
    migrated,
    too_many_requests,
)
from tests.fakes.telegram_updates import (
    FakeUser,
    callback_query_update,
    channel_post_update,
    document_message,
    inline_query_update,
    my_chat_member_update,
    text_message,
)

log = logging.getLogger(__name__)

__all__ = [
    "BAD_GATEWAY",
    "BLOCKED",
    "CHAT_NOT_FOUND",
    "DEACTIVATED",
    "DROP_CONNECTION",
    "KICKED",
    "SENDING_METHODS",
    "ApiError",
    "Call",
    "FakeStats",
    "FakeTelegram",
    "FakeUser",
    "FloodLimits",
    "migrated",
    "too_many_requests",
]

# Methods that deliver something to a chat: flood limits and per-chat errors apply to them.
SENDING_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "forwardMessage",
    )
)
# Parameters that stay strings even when they look like JSON ("123", "true", "[1]").
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "query",
        "data",
        "message_text",
        "title",
        "description",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_query_id",
        "file_id",
        "next_offset",
        "parse_mode",
        "language_code",
        "document",
        "photo",
        "short_description",
        "name",
    }
)
_DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "purchased_paid_media",
        "message_reaction_count",
        "removed_chat_boost",
        "chat_boost",
    }
)
TELEGRAM_GUIDANCE = FloodLimits()
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def _known_api_methods() -> frozenset[str]:
    """Every Bot API method name aiogram ships, lower-case: the rest answer 404.

    Read from the file names of aiogram/methods (send_message.py -> "sendmessage") rather than
    by importing them, which takes seconds and would slow the standalone server's start.
    """
    spec = importlib.util.find_spec("aiogram")
    assert spec is not None and spec.submodule_search_locations, "aiogram is not installed"
    folder = Path(next(iter(spec.submodule_search_locations))) / "methods"
    return frozenset(
        path.stem.replace("_", "")
        for path in folder.glob("*.py")
        if not path.stem.startswith("_") and path.stem != "base"
    )


@dataclass
class Call:
    """One request the fake answered (or refused)."""

    method: str  # as the client spelled it, e.g. "sendMessage"
    params: dict[str, Any]
    chat_id: int | str | None
    status: int  # HTTP status; 0 when the connection was dropped
    result: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class FakeStats:
    requests: int = 0
    sent: int = 0  # messages delivered by sending methods
    rate_limited: int = 0  # 429 answers from the flood limits (scripted ones not included)
    errors: Counter[int] = field(default_factory=Counter)  # by status, all causes
    dropped: int = 0


@dataclass
class _Script:
    error: ApiError
    chat_id: int | None
    methods: frozenset[str] | None  # lower-case; None: every method
    remaining: int | None  # None: until cleared

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        return self.chat_id is None or self.chat_id == chat_id


class FakeTelegram:
    """The fake server: start and stop it with `async with`, or `start()`/`stop()`."""

    def __init__(
        self,
        *,
        token: str = "42:TEST-fake-token",
        username: str = "civic_digest_test_bot",
        limits: FloodLimits | None = TELEGRAM_GUIDANCE,
        known_chats_only: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not _TOKEN.match(token):
            raise ValueError("a bot token looks like <digits>:<letters>")
        self.token = token
        self.host = host
        self.port = port
        self.state = BotState(
            bot_user={
                "id": int(token.split(":", 1)[0]),
                "is_bot": True,
                "first_name": "Civic Digest",
                "username": username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            },
            known_chats_only=known_chats_only,
        )
        self.stats = FakeStats()
        self._clock = clock
        self._flood = FloodControl(limits, clock)
        self._tokens = {token}
        self._known_methods = _known_api_methods()
        self._scripts: list[_Script] = []
        self._calls: list[Call] = []
        self._sent: list[dict[str, Any]] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_000
        self._delivered_through = 0  # highest update_id handed out
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._poll_waiter: asyncio.Future[str] | None = None
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_session: aiohttp.ClientSession | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        from tests.fakes.telegram_control import add_control_routes

        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._webhook_task = asyncio.create_task(self._push_to_webhook())
        return self

    async def stop(self) -> None:
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_result("stop")
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Base URL for TELEGRAM_API_URL / TelegramAPIServer.from_base()."""
        return f"http://{self.host}:{self.port}"

    @property
    def bot_id(self) -> int:
        return int(self.state.bot_user["id"])

    @property
    def bot_username(self) -> str:
        return str(self.state.bot_user["username"])

    def accept_token(self, token: str) -> None:
        """Also answer requests made with `token` (the same bot, e.g. after a token rotation)."""
        self._tokens.add(token)

    def revoke_token(self, token: str) -> None:
        """Answer 401 Unauthorized to `token` from now on."""
        self._tokens.discard(token)

    def set_limits(self, limits: FloodLimits | None) -> None:
        """Replace the flood limits (None: no limits); counting starts afresh."""
        self._flood = FloodControl(limits, self._clock)

    # -- the HTTP side -----------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        key = method.lower()
        self.stats.requests += 1
        if request.match_info["token"] not in self._tokens:
            return await self._refuse(request, method, {}, None, UNAUTHORIZED)
        try:
            params, uploads = await _decode(request)
        except ValueError as exc:
            return await self._refuse(request, method, {}, None, bad_request(str(exc)))
        chat_id = _chat_key(params.get("chat_id"))
        if key not in self._known_methods:
            return await self._refuse(request, method, params, chat_id, METHOD_NOT_FOUND)
        scripted = self._scripted_error(key, chat_id)
        if scripted is not None:
            return await self._refuse(request, method, params, chat_id, scripted)
        try:
            if key == "getupdates":
                result = await self._get_updates(params)
            else:
                result = self._call_method(key, params, uploads)
        except Refusal as refusal:
            return await self._refuse(request, method, params, chat_id, refusal.error)
        if key in SENDING_METHODS and isinstance(result, dict):
            self.stats.sent += 1
            self._sent.append(result)
        await self._record(Call(method, params, chat_id, 200, result=result))
        return web.json_response({"ok": True, "result": result})

    def _call_method(
        self, key: str, params: dict[str, Any], uploads: dict[str, methods.Upload]
    ) -> Any:
        handler = methods.METHODS.get(key)
        if handler is None:
            handler = methods.send_other if key in SENDING_METHODS else methods.harmless
        result = handler(methods.MethodRequest(params, self.state, self._admit, uploads))
        if key == "deletewebhook" and params.get("drop_pending_updates"):
            self._updates.clear()
        return result

    def _admit(self, chat_id: int) -> None:
        retry_after = self._flood.check(chat_id)
        if retry_after:
            self.stats.rate_limited += 1
            raise Refusal(too_many_requests(retry_after))

    async def _refuse(
        self,
        request: web.Request,
        method: str,
        params: dict[str, Any],
        chat_id: int | str | None,
        error: ApiError,
    ) -> web.StreamResponse:
        if error is DROP_CONNECTION or error.status == 0:
            self.stats.dropped += 1
            await self._record(Call(method, params, chat_id, 0, error=error.description))
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client: the socket is gone
        self.stats.errors[error.status] += 1
        await self._record(Call(method, params, chat_id, error.status, error=error.description))
        headers = {}
        if error.parameters and "retry_after" in error.parameters:
            headers["Retry-After"] = str(error.parameters["retry_after"])
        return web.json_response(error.body(), status=error.status, headers=headers)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self._tokens:
            return web.json_response(UNAUTHORIZED.body(), status=401)
        stored = self.state.file_by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _record(self, call: Call) -> None:
        self._calls.append(call)
        await self._notify()

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    # -- getUpdates and webhook delivery -----------------------------------------------------

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.state.webhook is not None:
            raise Refusal(CONFLICT_WEBHOOK)
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_result("conflict")
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), 50.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_UPDATE_TYPES
        self._confirm(offset)
        ready = self._ready_updates(limit)
        if not ready and timeout > 0:
            waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._poll_waiter = waiter
            await self._notify()
            try:
                await asyncio.wait({waiter}, timeout=timeout)
            finally:
                if self._poll_waiter is waiter:
                    self._poll_waiter = None
            if waiter.done() and waiter.result() == "conflict":
                raise Refusal(CONFLICT_OTHER_POLL)
            ready = self._ready_updates(limit)
        if ready:
            self._delivered_through = max(self._delivered_through, ready[-1]["update_id"])
            await self._notify()
        return ready

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _ready_updates(self, limit: int) -> list[dict[str, Any]]:
        kept = [u for u in self._updates if _update_type(u) in self._allowed_updates]
        self._updates = kept
        return kept[:limit]

    async def _push_to_webhook(self) -> None:
        """While a webhook is set, POST queued updates to it one by one, in order."""
        while True:
            hook = self.state.webhook
            if hook is None or not self._updates:
                await asyncio.sleep(0.02)
                continue
            if self._webhook_session is None:
                self._webhook_session = aiohttp.ClientSession()
            update = self._updates[0]
            headers = {}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
            try:
                async with self._webhook_session.post(
                    hook["url"], json=update, headers=headers
                ) as resp:
                    delivered = resp.status == 200
            except aiohttp.ClientError as exc:
                log.debug("webhook delivery failed: %s", exc)
                delivered = False
            if delivered:
                if self._updates and self._updates[0] is update:
                    self._updates.pop(0)
                self._delivered_through = max(self._delivered_through, update["update_id"])
                await self._notify()
            else:
                await asyncio.sleep(0.1)

    # -- updates a test injects --------------------------------------------------------------

    def enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an Update (its update_id is assigned here) and wake a pending getUpdates."""
        self._next_update_id += 1
        queued = {"update_id": self._next_update_id, **update}
        self._updates.append(queued)
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_result("updates")
        return queued

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        language_code: str | None = "ru",
        username: str | None = None,
    ) -> FakeUser:
        """A user and their private chat, known to the fake from now on."""
        person = FakeUser(user_id, first_name, language_code, username)
        self.state.add_chat(person.private_chat())
        return person

    def send_text(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The user writes `text` (commands get their bot_command entity); returns the Update."""
        target = chat or user.private_chat()
        self.state.add_chat({**self.state.chats.get(int(target["id"]), {}), **target})
        message = text_message(
            text,
            user,
            chat=target,
            entities=entities,
            message_id=self.state.next_message_id(int(target["id"])),
        )
        self.state.store_message(message)
        return self.enqueue({"message": message})

    def press_button(
        self,
        user: FakeUser,
        message: dict[str, Any],
        data: str | None = None,
        *,
        text: str | None = None,
    ) -> dict[str, Any]:
        """The user presses a button under `message` (a bot message), by callback data or label.

        The fake uses the message's current state (after edits). With `text`, the button whose
        label contains `text` is pressed; an AssertionError names the labels when none does.
        """
        key = (int(message["chat"]["id"]), int(message["message_id"]))
        current = self.state.messages.get(key, message)
        if data is None:
            data = _button_data(current, text or "")
        update = callback_query_update(user, data, current)
        self.state.open_callback_queries.add(update["callback_query"]["id"])
        return self.enqueue(update)

    def inline_query(self, user: FakeUser, query: str, offset: str = "") -> dict[str, Any]:
        update = inline_query_update(user, query, offset)
        self.state.open_inline_queries.add(update["inline_query"]["id"])
        return self.enqueue(update)

    def send_document(
        self,
        user: FakeUser,
        data: bytes,
        file_name: str,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The user sends a file: it is stored for getFile/download and a message is queued."""
        stored = self.register_file(data, file_name, mime_type)
        target = chat or user.private_chat()
        message = document_message(
            user,
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            file_name=file_name,
            file_size=len(data),
            mime_type=mime_type,
            caption=caption,
            chat=target,
            message_id=self.state.next_message_id(int(target["id"])),
        )
        self.state.store_message(message)
        return self.enqueue({"message": message})

    def register_file(
        self, data: bytes, file_name: str, mime_type: str = "application/octet-stream"
    ) -> Any:
        """Store bytes as a Telegram file; returns a StoredFile with `file_id`."""
        return self.state.add_file(data, file_name, mime_type)

    def membership(
        self, chat: dict[str, Any], actor: FakeUser, old_status: str, new_status: str
    ) -> dict[str, Any]:
        """A my_chat_member update: the bot was added, promoted, blocked or removed."""
        self.state.add_chat(chat)
        self.state.members[(int(chat["id"]), self.bot_id)] = new_status
        return self.enqueue(
            my_chat_member_update(chat, actor, self.state.bot_user, old_status, new_status)
        )

    def channel_post(self, chat: dict[str, Any], text: str) -> dict[str, Any]:
        self.state.add_chat(chat)
        return self.enqueue(
            channel_post_update(chat, text, self.state.next_message_id(int(chat["id"])))
        )

    # -- chats and members -------------------------------------------------------------------

    def add_chat(self, chat: dict[str, Any]) -> dict[str, Any]:
        return self.state.add_chat(chat)

    def add_channel(
        self,
        chat_id: int,
        username: str,
        *,
        title: str = "Test channel",
        bot_status: str = "administrator",
        admins: Iterable[int] = (),
    ) -> dict[str, Any]:
        """A channel `@username`; the bot's own status in it, and which users administer it."""
        chat = self.state.add_chat(
            {"id": chat_id, "type": "channel", "title": title, "username": username.lstrip("@")}
        )
        self.set_member(chat_id, self.bot_id, bot_status)
        for user_id in admins:
            self.set_member(chat_id, user_id, "administrator")
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember answers `status` (creator, administrator, member, left, kicked)."""
        self.state.members[(chat_id, user_id)] = status

    # -- scripted errors ---------------------------------------------------------------------

    def fail(
        self,
        error: ApiError,
        *,
        chat_id: int | None = None,
        times: int | None = None,
        methods: Collection[str] | None = SENDING_METHODS,
    ) -> None:
        """Answer `error` to matching calls: for `chat_id` (or any chat), `times` times (or
        until cleared), for `methods` (default: sending methods; None: every method)."""
        only = None if methods is None else frozenset(m.lower() for m in methods)
        self._scripts.append(_Script(error, chat_id, only, times))

    def fail_next(
        self,
        count: int = 1,
        error: ApiError = BAD_GATEWAY,
        *,
        chat_id: int | None = None,
        methods: Collection[str] | None = SENDING_METHODS,
    ) -> None:
        """The next `count` matching calls get `error` (502 by default, DROP_CONNECTION...)."""
        self.fail(error, chat_id=chat_id, times=count, methods=methods)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends to them get 403 until `clear_errors(chat_id)`."""
        self.fail(BLOCKED, chat_id=chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sends to `chat_id` get 400 with migrate_to_chat_id."""
        self.state.add_chat(
            {"id": new_chat_id, "type": "supergroup", "title": f"Chat {new_chat_id}"}
        )
        self.fail(migrated(new_chat_id), chat_id=chat_id, methods=None)

    def rate_limit(self, retry_after: int, *, chat_id: int | None = None, times: int = 1) -> None:
        """Scripted 429s with `retry_after` (on top of the flood limits)."""
        self.fail(too_many_requests(retry_after), chat_id=chat_id, times=times)

    def clear_errors(self, chat_id: int | None = None) -> None:
        """Forget scripted errors for `chat_id`, or all of them."""
        self._scripts = [s for s in self._scripts if chat_id is not None and s.chat_id != chat_id]

    def _scripted_error(self, method: str, chat_id: int | str | None) -> ApiError | None:
        for script in self._scripts:
            if script.matches(method, chat_id):
                if script.remaining is not None:
                    script.remaining -= 1
                    if script.remaining <= 0:
                        self._scripts.remove(script)
                return script.error
        return None

    # -- what happened -----------------------------------------------------------------------

    def calls(self, method: str | None = None, chat_id: int | str | None = None) -> list[Call]:
        """Recorded calls, oldest first, optionally for one method (any case) and chat."""
        key = method.lower() if method else None
        return [
            c
            for c in self._calls
            if (key is None or c.method.lower() == key)
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages delivered by sending methods, as first sent (edits: `message()`)."""
        return [m for m in self._sent if chat_id is None or m["chat"]["id"] == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        """Text (or caption) of each message delivered to `chat_id`."""
        return [m.get("text", m.get("caption", "")) for m in self.sent_messages(chat_id)]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The current state of a message (after edits), or None when deleted or unknown."""
        return self.state.messages.get((chat_id, message_id))

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The command menu set for `scope` (default scope) and language."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True), language_code
        return self.state.commands.get(key, [])

    def inline_answer(self, query_id: str) -> dict[str, Any] | None:
        return self.state.inline_answers.get(query_id)

    def uploaded(self, chat_id: int) -> list[bytes]:
        """Bytes of every document the bot sent to `chat_id`."""
        found = []
        for message in self.sent_messages(chat_id):
            document = message.get("document")
            if document:
                found.append(self.state.files[document["file_id"]].data)
        return found

    @property
    def polling(self) -> bool:
        """A getUpdates long poll is waiting for updates right now."""
        return self._poll_waiter is not None and not self._poll_waiter.done()

    @property
    def pending_updates(self) -> int:
        """Queued updates not yet handed to the bot."""
        return sum(1 for u in self._updates if u["update_id"] > self._delivered_through)

    def clear_calls(self) -> None:
        """Forget recorded calls and sent messages (long runs keep memory flat this way)."""
        self._calls.clear()
        self._sent.clear()

    async def wait_until(
        self, condition: Callable[[], bool], deadline: float = 5.0, what: str = "condition"
    ) -> None:
        """Wait until `condition()` holds, re-checking on every call the fake answers."""
        assert self._changed is not None, "start the fake first"

        async def satisfied() -> None:
            assert self._changed is not None
            async with self._changed:
                await self._changed.wait_for(condition)

        try:
            await asyncio.wait_for(satisfied(), deadline)
        except TimeoutError:
            recent = ", ".join(f"{c.method}->{c.status}" for c in self._calls[-8:])
            raise AssertionError(
                f"fake Telegram: {what} not met within {deadline} s (last calls: {recent})"
            ) from None

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, deadline: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until at least `count` messages reached `chat_id`; returns all sent there."""
        await self.wait_until(
            lambda: len(self.sent_messages(chat_id)) >= count,
            deadline,
            f"{count} message(s) to chat {chat_id}",
        )
        return self.sent_messages(chat_id)

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        *,
        chat_id: int | str | None = None,
        deadline: float = 5.0,
    ) -> list[Call]:
        """Wait until `method` was called `count` times (for `chat_id`); returns those calls."""
        await self.wait_until(
            lambda: len(self.calls(method, chat_id)) >= count, deadline, f"{count} {method} call(s)"
        )
        return self.calls(method, chat_id)

    async def wait_for_delivery(self, deadline: float = 5.0) -> None:
        """Wait until every queued update has been handed to the bot."""
        await self.wait_until(lambda: self.pending_updates == 0, deadline, "all updates delivered")


def _chat_key(raw: Any) -> int | str | None:
    if raw is None or isinstance(raw, int):
        return raw
    text = str(raw)
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _update_type(update: dict[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")


def _button_data(message: dict[str, Any], label: str) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    labels = []
    for row in rows:
        for button in row:
            labels.append(button.get("text", ""))
            if label in button.get("text", "") and "callback_data" in button:
                return str(button["callback_data"])
    raise AssertionError(f"no button labelled {label!r} under the message; labels: {labels}")


async def _decode(request: web.Request) -> tuple[dict[str, Any], dict[str, methods.Upload]]:
    """Parameters from the query string and the body (urlencoded, multipart or JSON)."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, methods.Upload] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError as exc:
                raise ValueError("can't parse JSON request body") from exc
            if not isinstance(body, dict):
                raise ValueError("can't parse JSON request body")
            raw.update(body)
            return raw, uploads
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = methods.Upload(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    return {key: _decode_value(key, value) for key, value in raw.items()}, uploads


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


# A full collection of this process's heap, which grows by every call it keeps for the
# bench to read back, pauses it for 50 ms early in a 10,000-message run and 170 ms late.
# Requests that arrive meanwhile are then stamped together, and the one-second window
# refuses them as if the bot had sent them at once: Telegram's servers do not do that to a
# bot. So the standalone fake leaves its old objects alone (the youngest generations are
# still collected; refcounting frees the rest).
NEVER_COLLECT_OLDEST = 1_000_000_000


async def _serve(args: argparse.Namespace) -> None:
    limits = FloodLimits.off() if args.no_limits else FloodLimits()
    fake = FakeTelegram(token=args.token, limits=limits, host=args.host, port=args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], NEVER_COLLECT_OLDEST)
    try:
        async with fake:
            print(f"FAKE_TELEGRAM_URL={fake.url}", flush=True)
            await stop.wait()
    finally:
        gc.set_threshold(*thresholds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="42:TEST-fake-token")
    parser.add_argument("--no-limits", action="store_true", help="turn flood limits off")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
