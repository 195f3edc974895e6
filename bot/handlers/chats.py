"""Groups and channels: joining and leaving, channel binding, supergroup migration.

In a group the bot answers only commands (no handler here reads plain text). A channel is
bound with `/addchannel @name` by one of its admins, once the bot is an administrator there
with the right to post; its digest is then posted to the channel. When the bot is removed
from a chat or blocked, the chat is marked blocked and gets nothing more.
"""

from __future__ import annotations

import html
import logging
import re
import time

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject
from aiogram.types import Chat, ChatMemberAdministrator, ChatMemberUpdated, Message

from bot.config import Settings
from bot.filters import on_command
from bot.handlers.access import is_chat_admin
from bot.handlers.screens import schedule_text, topics_text
from bot.i18n import current_language, gettext_for
from bot.keyboards import welcome_keyboard
from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber

log = logging.getLogger(__name__)
_ = gettext_for("messages")

_GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.KICKED})
# @name, t.me/name or a numeric id such as -1001234567890.
_CHANNEL_REF = re.compile(
    r"^(?:https?://)?(?:t\.me/|telegram\.me/)?@?(?P<name>[A-Za-z][A-Za-z0-9_]{3,31})$|^(?P<id>-100\d{5,15})$"
)


def create_router() -> Router:
    router = Router(name="chats")
    router.my_chat_member.register(bot_membership_changed)
    router.message.register(group_migrated, F.migrate_to_chat_id)
    router.message.register(add_channel, on_command("addchannel"), F.chat.type != ChatType.CHANNEL)
    router.message.register(
        remove_channel, on_command("removechannel"), F.chat.type != ChatType.CHANNEL
    )
    return router


async def bot_membership_changed(event: ChatMemberUpdated, bot: Bot, archive: Archive) -> None:
    """Removed or blocked: stop delivering. Added to a group: say how to subscribe it."""
    chat, status = event.chat, event.new_chat_member.status
    if status in _GONE:
        if await archive.subscribers.get(chat.id) is not None:
            dropped = await archive.sending.block_chat(chat.id, time.time(), f"bot {status}")
            log.info(
                "chat %s: the bot was %s; %d unsent messages dropped", chat.id, status, dropped
            )
        return
    was_gone = event.old_chat_member.status in _GONE
    if was_gone and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        log.info("chat %s: the bot was added to a group", chat.id)
        try:
            await bot.send_message(
                chat.id,
                _(
                    "Hello! I post a digest of news about NGOs, civil society and public "
                    "policy in Kazakhstan. A group admin can send /start to subscribe this group."
                ),
            )
        except TelegramAPIError as exc:
            log.info("chat %s: could not greet the group: %s", chat.id, exc)


async def group_migrated(message: Message, archive: Archive) -> None:
    """A group became a supergroup: its subscription follows it to the new chat id."""
    new_id = message.migrate_to_chat_id
    if new_id is not None:
        await archive.sending.migrate_chat(message.chat.id, new_id, time.time())
        log.info("chat %s: migrated to %s", message.chat.id, new_id)


def parse_channel_ref(text: str) -> str | int | None:
    """`@name`, `t.me/name` or `-100…` as get_chat accepts it; None when it is neither."""
    match = _CHANNEL_REF.match(text.strip())
    if match is None:
        return None
    if match["id"]:
        return int(match["id"])
    return "@" + match["name"]


async def _find_channel(message: Message, command: CommandObject, bot: Bot) -> Chat | None:
    """The channel named in the command, or None after saying what is wrong."""
    ref = parse_channel_ref(command.args or "")
    if ref is None:
        # The hint repeats the command that was sent, not always /addchannel.
        if command.command.casefold() == "removechannel":
            hint = _("Name the channel: /removechannel @channel_name.")
        else:
            hint = _(
                "Name the channel: /addchannel @channel_name (the bot must be its administrator)."
            )
        await message.answer(hint)
        return None
    try:
        chat = await bot.get_chat(ref)
    except TelegramAPIError:
        await message.answer(
            _("I cannot find that channel. Add the bot to it as an administrator, then try again.")
        )
        return None
    if chat.type != ChatType.CHANNEL:
        await message.answer(_("That is not a channel. For a group, send /start in the group."))
        return None
    return chat


async def _may_bind(message: Message, bot: Bot, channel: Chat, settings: Settings) -> bool:
    user = message.from_user
    if user is None:
        return False
    if user.id in settings.admin_ids or await is_chat_admin(bot, channel.id, user.id):
        return True
    await message.answer(_("Only the channel's admins can do this."))
    return False


async def add_channel(
    message: Message, command: CommandObject, bot: Bot, archive: Archive, settings: Settings
) -> None:
    channel = await _find_channel(message, command, bot)
    if channel is None or not await _may_bind(message, bot, channel, settings):
        return
    try:
        me = await bot.get_chat_member(channel.id, bot.id)
    except TelegramAPIError:
        me = None
    if not (isinstance(me, ChatMemberAdministrator) and me.can_post_messages):
        await message.answer(
            _(
                "Make the bot an administrator of the channel with the right to post messages, then send the command again."
            )
        )
        return
    template = Subscriber(
        chat_id=channel.id,
        chat_type="channel",
        title=channel.title or "",
        language=current_language(),
        timezone=settings.default_timezone,
        added_by=message.from_user.id if message.from_user else None,
    )
    subscriber, how = await archive.subscribers.subscribe(template)
    log.info("channel %s: bound (%s)", channel.id, how)
    await message.answer(
        _bound_text(subscriber, how, (command.args or "").strip(), message.chat.type),
        # The buttons act on the channel only from a private chat (access.callback_chat).
        reply_markup=welcome_keyboard(channel.id, subscriber.language)
        if message.chat.type == ChatType.PRIVATE
        else None,
    )


def _bound_text(subscriber: Subscriber, how: str, ref: str, where: str) -> str:
    """What /addchannel did ("new", "resumed" or "already" bound) and the channel's settings."""
    values = {
        "title": html.escape(subscriber.title),
        "schedule": html.escape(schedule_text(subscriber)),
        "timezone": html.escape(subscriber.timezone),
        "topics": html.escape(topics_text(subscriber)),
    }
    if how == "already":
        what = _(
            "The channel «{title}» is already bound. Its digest: {schedule} ({timezone}). "
            "Topics: {topics}.",
            **values,
        )
    elif how == "resumed":
        what = _(
            "The channel «{title}» is bound again, with its earlier settings. Its digest: "
            "{schedule} ({timezone}). Topics: {topics}.",
            **values,
        )
    else:
        what = _(
            "The channel «{title}» is bound. Its digest: {schedule} ({timezone}). Topics: {topics}.",
            **values,
        )
    if where == ChatType.PRIVATE:
        hint = _(
            "The buttons below change the channel's settings; /removechannel {ref} stops it.",
            ref=html.escape(ref),
        )
    else:
        hint = _(
            "Its settings are changed from a private chat with the bot: send /addchannel {ref} "
            "there. /removechannel {ref} stops it.",
            ref=html.escape(ref),
        )
    return what + "\n" + hint


async def remove_channel(
    message: Message, command: CommandObject, bot: Bot, archive: Archive, settings: Settings
) -> None:
    channel = await _find_channel(message, command, bot)
    if channel is None or not await _may_bind(message, bot, channel, settings):
        return
    bound = await archive.subscribers.get(channel.id)
    if bound is not None and bound.active and await archive.subscribers.stop(channel.id):
        log.info("channel %s: unbound", channel.id)
        await message.answer(
            _(
                "The channel «{title}» will get no more digests.",
                title=html.escape(channel.title or ""),
            )
        )
    else:
        await message.answer(_("That channel is not bound."))
