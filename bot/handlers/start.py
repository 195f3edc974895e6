"""/start subscribes the chat (a deep link `/start <topic>` picks one topic); /stop ends it."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import CommandObject
from aiogram.types import Message

from bot.config import Settings
from bot.filters import on_command, on_start
from bot.handlers.access import may_manage
from bot.handlers.screens import settings_text, welcome_text
from bot.i18n import gettext_for, pick_language, translate
from bot.keyboards import welcome_keyboard
from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber
from feeds.models import TOPICS

log = logging.getLogger(__name__)
_ = gettext_for("messages")


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type != ChatType.CHANNEL)
    router.message.register(start, on_start())
    router.message.register(stop, on_command("stop"))
    return router


def _deep_link_topic(command: CommandObject) -> str | None:
    payload = (command.args or "").strip()
    return payload if payload in TOPICS else None


async def start(
    message: Message, command: CommandObject, bot: Bot, archive: Archive, settings: Settings
) -> None:
    """Subscribe the chat with the defaults, or welcome it back with its settings kept."""
    chat, user = message.chat, message.from_user
    if not await may_manage(bot, chat, user, message.sender_chat):
        await message.answer(_("Only the group's admins can subscribe it."))
        return
    topic = _deep_link_topic(command)
    template = Subscriber(
        chat_id=chat.id,
        chat_type=chat.type,
        title=chat.title or chat.full_name or "",
        language=pick_language(user.language_code if user else None),
        timezone=settings.default_timezone,
        topics=[topic] if topic else [],
        added_by=user.id if user else None,
    )
    subscriber, how = await archive.subscribers.subscribe(template)
    if topic and how != "new" and subscriber.topics and topic not in subscriber.topics:
        updated = await archive.subscribers.update(chat.id, topics=[*subscriber.topics, topic])
        subscriber = updated or subscriber
    log.info("chat %s: /start (%s)", chat.id, how)
    keyboard = welcome_keyboard(chat.id, subscriber.language)
    language = subscriber.language
    # A deep link naming no known topic (mistyped or outdated) must not pass in silence.
    unknown_link = (
        translate("messages", language, "That link names no topic I know: you get all topics.")
        + "\n\n"
        if (command.args or "").strip() and topic is None and not subscriber.topics
        else ""
    )
    if how == "new":
        await message.answer(unknown_link + welcome_text(subscriber), reply_markup=keyboard)
        return
    if how == "resumed":
        greeting = translate("messages", language, "Welcome back! Your settings are kept.")
    else:
        greeting = translate("messages", language, "You are already subscribed.")
    text = unknown_link + greeting + "\n\n" + settings_text(subscriber)
    await message.answer(text, reply_markup=keyboard)


async def stop(message: Message, bot: Bot, archive: Archive) -> None:
    chat = message.chat
    if not await may_manage(bot, chat, message.from_user, message.sender_chat):
        await message.answer(_("Only the group's admins can change its subscription."))
        return
    subscriber = await archive.subscribers.get(chat.id)
    # A second /stop must not claim to unsubscribe again: only an active chat is stopped.
    if subscriber is not None and subscriber.active and await archive.subscribers.stop(chat.id):
        log.info("chat %s: /stop", chat.id)
        if chat.type == ChatType.PRIVATE:
            text = _(
                "You have unsubscribed: no more digests or alerts. Your settings are kept: "
                "/start brings them back, /forget deletes everything stored about this chat."
            )
        else:  # an admin stops the group's subscription, not their own
            text = _(
                "The group is unsubscribed: no more digests or alerts here. Its settings are "
                "kept: /start brings them back, /forget deletes everything stored about it."
            )
        await message.answer(text)
    else:
        await message.answer(_("This chat is not subscribed. /start subscribes it."))
