"""Who may change a chat's subscription: anyone in a private chat, admins in a group."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, User

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
