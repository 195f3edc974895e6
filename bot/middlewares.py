"""Middlewares: the interface language of each update, and per-user throttling.

Errors are handled by the error router (bot/handlers/errors.py), which aiogram's own
ErrorsMiddleware calls for any exception a handler raises.

Throttling is opt-in per handler with a flag: register a handler with
`flags={"throttle": "search"}` (or "heavy") and a user who floods it gets one polite
"slow down" and then silence until the bucket refills, instead of one query per message.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, InlineQuery, Message, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.i18n import DEFAULT_LANGUAGE, LOCALES_DIR, gettext_for, pick_language
from feeds.archive import Archive

log = logging.getLogger(__name__)
_ = gettext_for("messages")

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def chat_language(archive: Archive | None, chat_id: int | None, user: User | None) -> str:
    """The language to answer in: the chat's chosen one, else the user's Telegram language."""
    if archive is not None and chat_id is not None:
        subscriber = await archive.subscribers.get(chat_id)
        if subscriber is not None:
            return subscriber.language
    return pick_language(user.language_code if user else None)


class ChatLocaleMiddleware(I18nMiddleware):
    """Sets aiogram's locale for each update from `chat_language`."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        # Inline queries have no chat: the user's own private chat holds their choice.
        chat_id = chat.id if chat is not None else (user.id if user is not None else None)
        return await chat_language(data.get("archive"), chat_id, user)


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """A token bucket: `burst` actions at once, then one more every `refill_seconds`."""

    burst: int
    refill_seconds: float


THROTTLE_RULES: dict[str, ThrottleRule] = {
    "search": ThrottleRule(burst=5, refill_seconds=2.0),
    "heavy": ThrottleRule(burst=2, refill_seconds=10.0),
}


class ThrottleVerdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first refused action: say "slow down" once
    DROP = "drop"  # refused again: stay silent


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_at: float
    warned: bool = False


class Throttle:
    """Per-user, per-kind token buckets, bounded in memory (least recently seen dropped)."""

    def __init__(
        self,
        rules: dict[str, ThrottleRule] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = 50_000,
    ) -> None:
        self.rules = dict(THROTTLE_RULES if rules is None else rules)
        self.clock = clock
        # Counts for metrics and tests: actions let through and actions refused.
        self.allowed = 0
        self.refused = 0
        self._max_buckets = max_buckets
        self._buckets: OrderedDict[tuple[int, str], _Bucket] = OrderedDict()

    def check(self, user_id: int, kind: str) -> ThrottleVerdict:
        """Take one token for `user_id`'s `kind` of action; unknown kinds are never limited."""
        rule = self.rules.get(kind)
        if rule is None:
            return ThrottleVerdict.ALLOW
        now = self.clock()
        key = (user_id, kind)
        bucket = self._buckets.pop(key, None) or _Bucket(float(rule.burst), now)
        self._buckets[key] = bucket
        if len(self._buckets) > self._max_buckets:
            self._buckets.popitem(last=False)
        refilled = (now - bucket.updated_at) / rule.refill_seconds
        bucket.tokens = min(float(rule.burst), bucket.tokens + refilled)
        bucket.updated_at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            self.allowed += 1
            return ThrottleVerdict.ALLOW
        self.refused += 1
        if bucket.warned:
            return ThrottleVerdict.DROP
        bucket.warned = True
        return ThrottleVerdict.WARN


class ThrottleMiddleware(BaseMiddleware):
    """Applies `Throttle` to handlers flagged with `throttle`; runs after the filters."""

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = get_flag(data, "throttle")
        user: User | None = data.get("event_from_user")
        if kind is None or user is None:
            return await handler(event, data)
        verdict = self.throttle.check(user.id, str(kind))
        if verdict is ThrottleVerdict.ALLOW:
            return await handler(event, data)
        if verdict is ThrottleVerdict.WARN:
            await _say_slow_down(event)
        return None


async def _say_slow_down(event: TelegramObject) -> None:
    text = _("Too many requests at once. Please wait a few seconds and try again.")
    if isinstance(event, Message | CallbackQuery):
        await event.answer(text)
    elif isinstance(event, InlineQuery):
        await event.answer([], cache_time=1, is_personal=True)


# True while an update is being handled: its replies may wait out a short flood limit.
_answering_update: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "answering_update", default=False
)


class AnsweringUpdateMiddleware(BaseMiddleware):
    """Marks the work done for one update, so that `ReplyRetryMiddleware` knows a reply."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        token = _answering_update.set(True)
        try:
            return await handler(event, data)
        finally:
            _answering_update.reset(token)


class ReplyRetryMiddleware(BaseRequestMiddleware):
    """A reply that hits Telegram's per-chat flood limit waits `retry_after` and tries again.

    Only replies to updates are retried here, a few times and for short waits: a person who
    taps quickly gets every answer a second later instead of an apology. Deliveries from the
    outbox run outside updates and keep their own flood handling in the sender.
    """

    def __init__(self, attempts: int = 3, longest_wait: float = 10.0) -> None:
        self.attempts = attempts
        self.longest_wait = longest_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if (
                    not _answering_update.get()
                    or attempt >= self.attempts
                    or exc.retry_after > self.longest_wait
                ):
                    raise
                log.info("flood limit on a reply: waiting %s s", exc.retry_after)
                await asyncio.sleep(exc.retry_after)
                attempt += 1


def create_i18n() -> I18n:
    """aiogram's I18n over the `messages` catalogs in bot/locales."""
    return I18n(path=LOCALES_DIR, default_locale=DEFAULT_LANGUAGE, domain="messages")


def setup_middlewares(dispatcher: Dispatcher, throttle: Throttle | None = None) -> Throttle:
    """Register the locale middleware on every event and throttling on user actions.

    The throttle is also put into the workflow data as `throttle`.
    """
    dispatcher.update.outer_middleware(AnsweringUpdateMiddleware())
    ChatLocaleMiddleware(create_i18n()).setup(dispatcher)
    throttle = throttle or Throttle()
    guard = ThrottleMiddleware(throttle)
    dispatcher.message.middleware(guard)
    dispatcher.callback_query.middleware(guard)
    dispatcher.inline_query.middleware(guard)
    dispatcher["throttle"] = throttle
    return throttle
