"""The sender: a pool of workers that drains the outbox at the pace Telegram allows.

A feeder claims the messages that may go now (per chat, the first unsent part, once its pace
allows) and hands them to the workers; every worker takes a token from the global bucket,
sends, and records the outcome before it takes the next message, so at most `workers` messages
can be sent without being recorded (the bound on duplicates after a crash). Telegram's answers
decide what happens next:

- 429: the message waits `retry_after`; when the chat had no message lately the limit hit is
  the bot's global one, so every worker pauses as well.
- 403, or 400 chat not found: the chat is marked blocked and its unsent messages dropped.
- migrate_to_chat_id: the chat moves to its new id and the message goes there.
- 400 can't parse entities: sent once more as plain text, logged as our bug.
- 5xx, network errors: retried with exponential backoff, then dead with the error kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import random
import re
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import LinkPreviewOptions

from bot.clock import Clock, SystemClock
from bot.ratelimit import (
    GROUP_CHAT_INTERVAL,
    PRIVATE_CHAT_INTERVAL,
    TokenBucket,
    chat_interval,
)
from feeds.archive import Archive
from feeds.archive.sending import OutboxMessage

log = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_TAG_RE = re.compile(r"<[^>]*>")
_MARKUP_ERRORS = ("can't parse entities", "can't find end", "unsupported start tag", "unclosed")
_RETRYABLE = (
    TelegramServerError,
    TelegramNetworkError,
    ClientDecodeError,
    asyncio.TimeoutError,
    OSError,
)


@dataclass(frozen=True, slots=True)
class SenderConfig:
    """How fast and how stubbornly to send; tests shrink the times."""

    rate_per_second: float = 28.0
    # Tokens the bucket may hold: above 1 so that a late wake-up of the loop is made up for;
    # the bucket's one-second cap keeps any second at the rate all the same.
    rate_burst: float = 2.0
    workers: int = 8
    private_interval: float = PRIVATE_CHAT_INTERVAL  # between two messages to one person
    group_interval: float = GROUP_CHAT_INTERVAL  # between two messages to one group
    max_attempts: int = 5
    backoff_base: float = 2.0  # first retry after this, doubling each attempt
    backoff_max: float = 300.0
    idle_poll: float = 5.0  # look at the outbox at least this often when idle
    stop_timeout: float = 10.0  # SIGTERM: in-flight sends get this long to finish
    # A 429 for a chat that had a message within this many seconds is that chat's own limit.
    recent_chat_window: float = 5.0


class SenderFatalError(RuntimeError):
    """Sending cannot go on (the token was rejected)."""


def plain_text(markup: str) -> str:
    """Telegram HTML as plain text: tags stripped, entities unescaped."""
    return html.unescape(_TAG_RE.sub("", markup))


class Sender:
    """Start with `start()`, stop with `stop()`; `drain()` waits until nothing is left."""

    def __init__(
        self,
        bot: Bot,
        archive: Archive,
        config: SenderConfig | None = None,
        *,
        clock: Clock | None = None,
        wakeup: asyncio.Event | None = None,
    ) -> None:
        self.bot = bot
        self.archive = archive
        self.config = config or SenderConfig()
        self.clock = clock or SystemClock()
        self.wakeup = wakeup or asyncio.Event()
        self.bucket = TokenBucket(
            self.config.rate_per_second, self.clock, burst=self.config.rate_burst
        )
        self.fatal: SenderFatalError | None = None
        self._queue: asyncio.Queue[OutboxMessage] = asyncio.Queue()
        self._stopping = asyncio.Event()
        self._in_flight = 0
        self._progress = asyncio.Event()  # set whenever a worker finishes a message
        self._last_sent: dict[int, float] = {}
        self._unrecorded: list[tuple[OutboxMessage, float, float, asyncio.Future[None]]] = []
        self._commit_turn = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._feeder: asyncio.Task[None] | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Put messages a crash left in `sending` back in line, then start the workers."""
        reset = await self.archive.sending.reset_inflight()
        if reset:
            log.warning("%d messages were in flight at the last stop; sending them again", reset)
        self._feeder = asyncio.create_task(self._feed(), name="outbox-feeder")
        self._tasks = [
            asyncio.create_task(self._work(), name=f"outbox-worker-{n}")
            for n in range(self.config.workers)
        ]

    def request_stop(self) -> None:
        """Take no new messages from now on (a signal handler calls this); `stop()` finishes."""
        self._stopping.set()
        self.wakeup.set()
        self._progress.set()

    async def stop(self) -> None:
        """Take no new work, let in-flight sends finish (up to `stop_timeout`), then return.

        Claimed messages not yet sent go back to pending; a send cut off by the timeout stays
        `sending` and is sent again at the next start.
        """
        self.request_stop()
        if self._feeder is not None:
            await asyncio.gather(self._feeder, return_exceptions=True)
            self._feeder = None
        waiting = []
        while not self._queue.empty():
            waiting.append(self._queue.get_nowait().id)
        if waiting:
            await self.archive.sending.release(waiting)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.stop_timeout
        while self._in_flight and (left := deadline - loop.time()) > 0:
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), left)
        if self._in_flight:
            log.warning("%d sends did not finish in time; they are retried at start",
                        self._in_flight)
        # Idle workers wait on the queue; the late ones (if any) are cut off here.
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def drain(self) -> None:
        """Wait until the outbox holds nothing unsent (or sending became impossible)."""
        while not self._stopping.is_set():
            idle = self._in_flight == 0 and self._queue.empty()
            if idle and await self.archive.sending.unsent_count() == 0:
                return
            self._progress.clear()
            await self._wait(self.config.idle_poll, self._progress)
        if self.fatal is not None:
            raise self.fatal

    # ---- the feeder and the workers --------------------------------------------------------

    async def _feed(self) -> None:
        capacity = self.config.workers * 2
        while not self._stopping.is_set():
            self.wakeup.clear()
            free = capacity - self._queue.qsize()
            try:
                claimed = []
                if free > 0:
                    claimed = await self.archive.sending.claim(self.clock.time(), free)
                    for message in claimed:
                        self._queue.put_nowait(message)
                if claimed and len(claimed) == free:
                    continue_after = 0.05  # more may be waiting: look again soon
                else:
                    continue_after = await self._idle_time()
            except Exception:
                # The archive failed us (disk full, locked too long): try again, never die.
                log.exception("could not read the outbox; trying again shortly")
                continue_after = self.config.idle_poll
            await self._wait(continue_after, self.wakeup)

    async def _idle_time(self) -> float:
        due = await self.archive.sending.next_due_at()
        if due is None:
            return self.config.idle_poll
        return min(self.config.idle_poll, max(0.01, due - self.clock.time()))

    async def _wait(self, seconds: float, event: asyncio.Event) -> None:
        """Sleep `seconds` on the clock, or less when `event` is set."""
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        woken = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({sleeper, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, woken):
                task.cancel()
            await asyncio.gather(sleeper, woken, return_exceptions=True)

    async def _work(self) -> None:
        while True:
            message = await self._queue.get()
            self._in_flight += 1
            try:
                await self._deliver(message)
            except Exception:
                # Our own failure (the archive, most likely): the row stays `sending` and is
                # retried at the next start; the worker goes on with the next message.
                log.exception("could not record the outcome of outbox message %d", message.id)
            finally:
                self._in_flight -= 1
                self.wakeup.set()
                self._progress.set()

    async def _deliver(self, message: OutboxMessage) -> None:
        if not await self._take_token():
            await self.archive.sending.release([message.id])
            return
        try:
            await self.bot.send_message(
                chat_id=message.chat_id,
                text=message.text,
                parse_mode=message.parse_mode or None,
                link_preview_options=_NO_PREVIEW,
            )
        except TelegramRetryAfter as exc:
            await self._flood_wait(message, exc.retry_after)
        except TelegramMigrateToChat as exc:
            await self._migrate(message, exc.migrate_to_chat_id)
        except TelegramForbiddenError as exc:
            await self._block(message, exc.message)
        except TelegramUnauthorizedError as exc:
            await self.archive.sending.release([message.id])
            self.fatal = SenderFatalError(f"Telegram rejected the bot token: {exc.message}")
            log.error("%s; sending stops", self.fatal)
            self._stopping.set()
        except TelegramBadRequest as exc:
            await self._bad_request(message, exc.message)
        except TelegramEntityTooLarge as exc:
            await self._fail(message, f"too large: {exc.message}", retry=False)
        except _RETRYABLE as exc:
            await self._fail(message, _describe(exc), retry=True)
        except TelegramAPIError as exc:
            await self._fail(message, _describe(exc), retry=True)
        else:
            now = self.clock.time()
            self._last_sent[message.chat_id] = self.clock.monotonic()
            await self._record_sent(message, now, now + self._interval(message.chat_id))

    async def _record_sent(self, message: OutboxMessage, now: float, next_at: float) -> None:
        """Record a sent message; returns once it is committed.

        Group commit: workers that finish while a commit is running are written together by
        the next one. Each worker still waits for its own record before it takes another
        message, so at most `workers` sent messages are ever unrecorded.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unrecorded.append((message, now, next_at, done))
        async with self._commit_turn:
            if not done.done():
                batch, self._unrecorded = self._unrecorded, []
                try:
                    await self.archive.sending.mark_sent_many([(m, n, a) for m, n, a, _ in batch])
                except Exception as exc:
                    for *_, waiter in batch:
                        if not waiter.done():  # a worker cut off at stop has cancelled it
                            waiter.set_exception(exc)
                else:
                    for *_, waiter in batch:
                        if not waiter.done():
                            waiter.set_result(None)
        await done

    async def _take_token(self) -> bool:
        """A token from the bucket, or False when the sender is told to stop meanwhile."""
        if self._stopping.is_set():
            return False
        token = asyncio.ensure_future(self.bucket.acquire())
        stop = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({token, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if token.done() and not token.cancelled() and token.exception() is None:
            return True
        token.cancel()
        await asyncio.gather(token, stop, return_exceptions=True)
        return False

    def _interval(self, chat_id: int) -> float:
        return chat_interval(chat_id, self.config.private_interval, self.config.group_interval)

    # ---- Telegram's answers ----------------------------------------------------------------

    async def _flood_wait(self, message: OutboxMessage, retry_after: float) -> None:
        last = self._last_sent.get(message.chat_id)
        recent = last is not None and self.clock.monotonic() - last < max(
            self.config.recent_chat_window, self._interval(message.chat_id) * 20
        )
        if not recent:
            # The chat was quiet, so the bot as a whole is over the limit: everyone waits.
            self.bucket.pause(retry_after)
        now = self.clock.time()
        scope = "chat" if recent else "global"
        log.warning("flood wait %ss (%s) for chat %d", retry_after, scope, message.chat_id)
        await self.archive.sending.postpone(
            message, now, now + retry_after, f"retry after {retry_after}s ({scope})"
        )

    async def _migrate(self, message: OutboxMessage, new_chat_id: int) -> None:
        log.info("chat %d became %d; its messages follow it", message.chat_id, new_chat_id)
        await self.archive.sending.migrate_chat(message.chat_id, new_chat_id, self.clock.time())

    async def _block(self, message: OutboxMessage, reason: str) -> None:
        dropped = await self.archive.sending.block_chat(
            message.chat_id, self.clock.time(), reason
        )
        log.info("chat %d cannot be written to (%s); %d messages dropped",
                 message.chat_id, reason, dropped)

    async def _bad_request(self, message: OutboxMessage, description: str) -> None:
        lowered = description.lower()
        if "chat not found" in lowered:
            await self._block(message, description)
        elif message.parse_mode and any(mark in lowered for mark in _MARKUP_ERRORS):
            log.error(
                "bug: Telegram rejected our markup (%s) in outbox message %d (%s part %d);"
                " sending it as plain text",
                description, message.id, message.dedup_key, message.part,
            )
            await self.archive.sending.as_plain_text(
                message, plain_text(message.text), self.clock.time()
            )
        else:
            log.error("Telegram refused outbox message %d: %s", message.id, description)
            await self._fail(message, description, retry=False)

    async def _fail(self, message: OutboxMessage, error: str, *, retry: bool) -> None:
        attempt = message.attempts + 1
        now = self.clock.time()
        if retry and attempt < self.config.max_attempts:
            delay = min(self.config.backoff_max, self.config.backoff_base * 2 ** (attempt - 1))
            delay *= random.uniform(1.0, 1.25)  # spread retries of many chats apart
            log.warning("send to chat %d failed (%s); retry %d in %.1fs",
                        message.chat_id, error, attempt, delay)
            await self.archive.sending.mark_failed(message, now, error, now + delay)
        else:
            log.error("outbox message %d to chat %d is dead after %d attempts: %s",
                      message.id, message.chat_id, attempt, error)
            await self.archive.sending.mark_failed(message, now, error, None)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"
