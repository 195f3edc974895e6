"""Builders for realistic Bot API objects (users, chats, messages, updates) in tests.

Each function returns the JSON-shaped dict Telegram would send, without `update_id`: the fake
server numbers updates when they are queued. Dates are Unix seconds now unless given.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_html import utf16_len

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?")
_ids = itertools.count(1)


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user who talks to the bot; their private chat has the same id."""

    id: int
    first_name: str = "Test"
    language_code: str | None = "ru"
    username: str | None = None
    last_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def private_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat


def group_chat(chat_id: int, title: str = "Test group", supergroup: bool = True) -> dict[str, Any]:
    """A group chat dict; group ids are negative (supergroups start with -100)."""
    return {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}


def channel_chat(
    chat_id: int, title: str = "Test channel", username: str | None = None
) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": "channel", "title": title}
    if username:
        chat["username"] = username.lstrip("@")
    return chat


def command_entities(text: str) -> list[dict[str, Any]]:
    """The `bot_command` entity Telegram adds when a message starts with `/cmd` or `/cmd@bot`."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def text_message(
    text: str,
    user: FakeUser,
    *,
    chat: dict[str, Any] | None = None,
    message_id: int | None = None,
    entities: list[dict[str, Any]] | None = None,
    date: int | None = None,
) -> dict[str, Any]:
    """A Message a user sends; commands get their `bot_command` entity automatically."""
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_ids),
        "date": date if date is not None else int(time.time()),
        "chat": chat or user.private_chat(),
        "from": user.as_dict(),
        "text": text,
    }
    found = command_entities(text) if entities is None else entities
    if found:
        message["entities"] = found
    return message


def document_message(
    user: FakeUser,
    *,
    file_id: str,
    file_unique_id: str,
    file_name: str,
    file_size: int,
    mime_type: str = "application/octet-stream",
    caption: str | None = None,
    chat: dict[str, Any] | None = None,
    message_id: int | None = None,
) -> dict[str, Any]:
    """A Message carrying a document the user sent (register the bytes with the fake first)."""
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_ids),
        "date": int(time.time()),
        "chat": chat or user.private_chat(),
        "from": user.as_dict(),
        "document": {
            "file_id": file_id,
            "file_unique_id": file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
        },
    }
    if caption:
        message["caption"] = caption
    return message


def message_update(message: dict[str, Any]) -> dict[str, Any]:
    return {"message": message}


def channel_post_update(
    chat: dict[str, Any], text: str, message_id: int | None = None
) -> dict[str, Any]:
    post = {
        "message_id": message_id if message_id is not None else next(_ids),
        "date": int(time.time()),
        "chat": chat,
        "sender_chat": chat,
        "text": text,
    }
    return {"channel_post": post}


def callback_query_update(
    user: FakeUser, data: str, message: dict[str, Any], query_id: str | None = None
) -> dict[str, Any]:
    """A button press on `message` (a Message the bot sent, as the fake recorded it)."""
    return {
        "callback_query": {
            "id": query_id or str(next(_ids)),
            "from": user.as_dict(),
            "message": message,
            "chat_instance": str(abs(message["chat"]["id"]) * 7 + 1),
            "data": data,
        }
    }


def inline_query_update(
    user: FakeUser, query: str, offset: str = "", query_id: str | None = None
) -> dict[str, Any]:
    return {
        "inline_query": {
            "id": query_id or str(next(_ids)),
            "from": user.as_dict(),
            "query": query,
            "offset": offset,
            "chat_type": "sender",
        }
    }


def chat_member(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember of `status` (creator, administrator, member, left, kicked) with its fields."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=False,
            can_restrict_members=False,
            can_promote_members=False,
            can_change_info=False,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_send_welcome_messages=False,
            can_post_messages=True,
            can_edit_messages=True,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


def my_chat_member_update(
    chat: dict[str, Any],
    actor: FakeUser,
    bot_user: dict[str, Any],
    old_status: str,
    new_status: str,
) -> dict[str, Any]:
    """The bot's own membership changed in `chat` (added to a group, blocked in private...)."""
    return {
        "my_chat_member": {
            "chat": chat,
            "from": actor.as_dict(),
            "date": int(time.time()),
            "old_chat_member": chat_member(bot_user, old_status),
            "new_chat_member": chat_member(bot_user, new_status),
        }
    }
