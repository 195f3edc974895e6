"""Who may change a chat's subscription: anyone in a private chat, admins in a group."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Chat, InaccessibleMessage, User

from bot.i18n import gettext_for

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR})


def is_group(chat: Chat) -> bool:
    return chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def is_chat_admin(bot: Bot, chat_id: int | str, user_id: int) -> bool:
    """Whether `user_id` administers the chat (asked from Telegram; an error means no)."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.info("cannot check the admins of chat %s: %s", chat_id, exc)
        return False
    return member.status in ADMIN_STATUSES


async def may_manage(
    bot: Bot, chat: Chat, user: User | None, sender_chat: Chat | None = None
) -> bool:
    """Whether this person may change the chat's subscription and settings."""
    if chat.type == ChatType.PRIVATE:
        return True
    if sender_chat is not None and sender_chat.id == chat.id:
        return True  # an anonymous group admin writes as the group itself
    if user is None or not is_group(chat):
        return False
    return await is_chat_admin(bot, chat.id, user.id)


async def managed_channel(bot: Bot, chat_id: int, user: User | None) -> Chat | None:
    """The channel `chat_id` if `user` administers it (asked from Telegram), else None."""
    if chat_id >= 0 or user is None:  # channel ids are negative
        return None
    try:
        chat = await bot.get_chat(chat_id)
    except TelegramAPIError:
        return None
    if chat.type != ChatType.CHANNEL or not await is_chat_admin(bot, chat.id, user.id):
        return None
    return chat


async def callback_chat(callback: CallbackQuery, bot: Bot, claimed_chat_id: int) -> Chat | None:
    """The chat a settings button may act on, or None after telling the presser why not.

    The button must have been pressed in the chat its data names (a crafted callback naming
    another chat is refused), its message must still be there, and in a group the presser
    must be an admin. The one exception is a channel's settings, which its admins change
    from their private chat with the bot: Telegram confirms they administer that channel.
    """
    _ = gettext_for("messages")
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        await callback.answer(_("This button is out of date. Please send the command again."))
        return None
    if message.chat.id != claimed_chat_id:
        if message.chat.type == ChatType.PRIVATE:
            channel = await managed_channel(bot, claimed_chat_id, callback.from_user)
            if channel is not None:
                return channel
        log.warning(
            "refused a button for chat %s pressed in chat %s", claimed_chat_id, message.chat.id
        )
        await callback.answer(_("This button does not belong to this chat."), show_alert=True)
        return None
    if not await may_manage(bot, message.chat, callback.from_user):
        await callback.answer(
            _("Only the group's admins can change its settings."), show_alert=True
        )
        return None
    return message.chat
