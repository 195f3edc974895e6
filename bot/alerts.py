"""Admin alerts: the admins hear once when something needs them, and once when it is over.

Checked every minute, each condition sends one message when it starts, not one per check:
- a feed has failed for a day (newly failing feeds are listed together; a recovery is told);
- messages died in the outbox (a summary with the last error, at most once an hour);
- feed polling is overdue (and again when polling resumes).
What was already told lives in the archive's meta table, so a restart does not repeat it.
Messages are in each admin's language (their subscription's, else English), catalog `ops`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.heartbeat import poll_overdue_after
from bot.i18n import DEFAULT_LANGUAGE, translate
from feeds.archive import Archive
from feeds.models import Source

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.services import Services

log = logging.getLogger(__name__)

CHECK_SECONDS = 60.0
FEED_FAILING_SECONDS = 24 * 3600.0
DEAD_REPEAT_SECONDS = 3600.0
KEY_FEEDS = "alert:failing_feeds"  # JSON list of feed ids the admins were told about
KEY_POLLING = "alert:polling_overdue"  # "1" while told, "" after recovery
KEY_DEAD = "alert:dead_messages"  # when dead messages were last reported (the watermark)

# (chat id, HTML text) -> delivered?
Send = Callable[[int, str], Awaitable[bool]]


@dataclass(frozen=True)
class Notice:
    """One message for the admins: a catalog message id and its values (HTML-escaped later)."""

    message: str
    values: dict[str, Any]


def _failing_since(source: Source) -> float:
    return source.last_success_at or source.added_at


class AlertWatch:
    """Checks the conditions and tells the admins; `check()` is one round, `start()` loops."""

    def __init__(
        self,
        archive: Archive,
        send: Send,
        admin_ids: Iterable[int],
        *,
        poll_interval: float,
        clock: Callable[[], float] = time.time,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self._archive = archive
        self._send = send
        self._admins = sorted(admin_ids)
        self._poll_interval = poll_interval
        self._clock = clock
        self._check_seconds = check_seconds
        self._started_at = clock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="admin-alerts")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._check_seconds)
            try:
                await self.check()
            except Exception:  # an alert that cannot be made must not stop the bot
                log.exception("checking admin alerts failed; the next check tries again")

    async def check(self) -> list[Notice]:
        """One round: every condition that started or ended since the last round is told."""
        now = self._clock()
        notices = [
            *await self._failing_feeds(now),
            *await self._dead_messages(now),
            *await self._polling(now),
        ]
        for notice in notices:
            await self._tell_admins(notice)
        return notices

    async def _failing_feeds(self, now: float) -> list[Notice]:
        told = set(await self._get_json(KEY_FEEDS, []))
        sources = [s for s in await self._archive.sources.all() if s.enabled]
        failing = {
            s.id: s
            for s in sources
            if s.error_count > 0 and now - _failing_since(s) >= FEED_FAILING_SECONDS
        }
        healthy = {s.id: s for s in sources if s.error_count == 0}
        notices = []
        new = [failing[i] for i in sorted(failing.keys() - told)]
        if new:
            lines = "\n".join(
                f"#{s.id} {s.title or s.url}: {s.last_error or s.last_status or '?'}" for s in new
            )
            notices.append(Notice("Feeds failing for more than a day:\n{feeds}", {"feeds": lines}))
        recovered = [healthy[i] for i in sorted(told & healthy.keys())]
        if recovered:
            names = ", ".join(f"#{s.id} {s.title or s.url}" for s in recovered)
            notices.append(Notice("Feeds working again: {feeds}", {"feeds": names}))
        existing = {s.id for s in sources}
        still = sorted(((told - healthy.keys()) & existing) | failing.keys())
        if set(still) != told:
            await self._archive.meta.set(KEY_FEEDS, json.dumps(still), now=now)
        return notices

    async def _dead_messages(self, now: float) -> list[Notice]:
        told = await self._archive.meta.get(KEY_DEAD)
        watermark = float(told[0]) if told else 0.0
        if told and now - told[1] < DEAD_REPEAT_SECONDS:
            return []
        dead = await self._archive.sending.dead_since(watermark + 1e-6, limit=1000)
        if not dead:
            return []
        await self._archive.meta.set(KEY_DEAD, repr(max(d.updated_at for d in dead)), now=now)
        chats = len({d.chat_id for d in dead})
        return [
            Notice(
                "Messages not delivered: {count} (chats: {chats}). Last error: {error}",
                {"count": len(dead), "chats": chats, "error": dead[0].last_error or "?"},
            )
        ]

    async def _polling(self, now: float) -> list[Notice]:
        told = await self._archive.meta.get(KEY_POLLING)
        was_overdue = bool(told and told[0])
        overview = await self._archive.stats.overview(now)
        last = max(overview.last_poll_at or 0.0, self._started_at)
        overdue = overview.feeds_enabled > 0 and now - last > poll_overdue_after(
            self._poll_interval
        )
        if overdue == was_overdue:
            return []
        await self._archive.meta.set(KEY_POLLING, "1" if overdue else "", now=now)
        if overdue:
            minutes = int((now - last) // 60)
            return [
                Notice(
                    "Feed polling is overdue: no feed polled for {minutes} min.",
                    {"minutes": minutes},
                )
            ]
        return [Notice("Feed polling works again.", {})]

    async def _tell_admins(self, notice: Notice) -> None:
        values = {k: html.escape(str(v), quote=False) for k, v in notice.values.items()}
        delivered = 0
        for admin in self._admins:
            language = await self._language(admin)
            text = "⚠️ " + translate("ops", language, notice.message, **values)
            if await self._send(admin, text):
                delivered += 1
        log.info(
            "admin alert sent to %d of %d admins: %s",
            delivered,
            len(self._admins),
            notice.message.split("{")[0].strip(),
        )

    async def _language(self, admin_id: int) -> str:
        subscriber = await self._archive.subscribers.get(admin_id)
        return subscriber.language if subscriber is not None else DEFAULT_LANGUAGE

    async def _get_json(self, key: str, default: Any) -> Any:
        stored = await self._archive.meta.get(key)
        if not stored or not stored[0]:
            return default
        try:
            return json.loads(stored[0])
        except ValueError:
            return default


def telegram_sender(bot: Bot) -> Send:
    """Send through the Bot; a refusal (blocked admin, flood wait) is logged, not raised."""
    from aiogram.exceptions import TelegramAPIError

    async def send(chat_id: int, text: str) -> bool:
        try:
            await bot.send_message(chat_id, text)
        except TelegramAPIError as exc:
            log.warning("could not send an admin alert to chat %s: %s", chat_id, exc)
            return False
        return True

    return send


async def start_alerts(stack: AsyncExitStack, bot: Bot, services: Services) -> AlertWatch:
    """Background part for bot.app: check every minute and tell ADMIN_IDS; `stack` stops it."""
    watch = AlertWatch(
        services.archive,
        telegram_sender(bot),
        services.settings.admin_ids,
        poll_interval=services.settings.poll_interval_seconds,
    )
    await watch.start()
    stack.push_async_callback(watch.stop)
    return watch
