"""/latest: the ten newest relevant stories; /digest: the reader's own digest, now."""

from __future__ import annotations

import asyncio
import weakref
from datetime import UTC, datetime

from aiogram import Bot, Router
from aiogram.types import Message

from bot.config import Settings
from bot.digest import compose_digest
from bot.filters import on_command
from bot.handlers.access import may_manage
from bot.handlers.search import reader_for
from bot.i18n import current_language, gettext_for
from bot.search_view import join_blocks, render_item
from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber
from feeds.models import Item

_ = gettext_for("search")

LATEST_COUNT = 10
CANDIDATES = 60  # items read to find ten distinct stories


def newest_stories(items: list[Item], count: int) -> list[Item]:
    """The first item of each story, newest first, at most `count`."""
    chosen: list[Item] = []
    seen: set[int] = set()
    for item in items:
        story = item.story_id if item.story_id is not None else -(item.id or 0)
        if story not in seen:
            seen.add(story)
            chosen.append(item)
        if len(chosen) == count:
            break
    return chosen


async def digest_reader(archive: Archive, settings: Settings, message: Message) -> Subscriber:
    """The chat's subscription, or default settings for a chat that has none."""
    subscriber = await archive.subscribers.get(message.chat.id)
    if subscriber is not None:
        return subscriber
    return Subscriber(
        chat_id=message.chat.id,
        chat_type=message.chat.type,
        language=current_language(),
        timezone=settings.default_timezone,
    )


def create_router() -> Router:
    router = Router(name="latest")
    # One /digest at a time per chat: a second one (a double tap) waits for the first to
    # mark its stories seen, instead of composing the same digest meanwhile. A chat's lock
    # lives while a request holds or awaits it.
    digest_turns: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    @router.message(on_command("latest"), flags={"throttle": "search"})
    async def latest(message: Message, archive: Archive, settings: Settings) -> None:
        items = newest_stories(await archive.items.relevant_since(0.0, CANDIDATES), LATEST_COUNT)
        if not items:
            await message.answer(
                _("No news yet. The feeds are checked regularly: try again later.")
            )
            return
        titles = {s.id: s.title or s.url for s in await archive.sources.all()}
        reader = await reader_for(archive, settings, message.chat.id)
        blocks = [
            render_item(item, titles.get(item.source_id, ""), n, reader)
            for n, item in enumerate(items, start=1)
        ]
        await message.answer(join_blocks(_("🆕 The latest news"), blocks))

    @router.message(on_command("digest"), flags={"throttle": "heavy"})
    async def digest_now(
        message: Message, bot: Bot, archive: Archive, settings: Settings
    ) -> None:
        # What /digest shows is marked as seen, so the group's scheduled digest leaves it
        # out: a group's admins decide that, as they decide its settings.
        if not await may_manage(bot, message.chat, message.from_user, message.sender_chat):
            await message.answer(_("In a group, only its admins can ask for the digest early; "
                                   "it comes on the schedule they chose. /latest shows the "
                                   "newest news."))
            return
        turn = digest_turns.setdefault(message.chat.id, asyncio.Lock())
        async with turn:
            subscriber = await digest_reader(archive, settings, message)
            digest = await compose_digest(archive, subscriber, datetime.now(UTC))
            if digest is None or not digest.parts:
                await message.answer(_(
                    "No new stories for your digest right now. /latest shows the newest news."
                ))
                return
            for part in digest.parts:
                await message.answer(part)
            # What the reader has seen now does not come again in their scheduled digest.
            await archive.digests.mark_delivered(
                message.chat.id, digest.story_ids, "digest", datetime.now(UTC).timestamp()
            )

    return router
