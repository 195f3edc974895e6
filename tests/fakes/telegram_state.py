"""What the fake Bot API remembers: chats, members, messages, files, commands, and its errors.

`ApiError` is an answer the fake gives instead of a result, with Telegram's status code and
wording (tech-notes §1, from tdlib/telegram-bot-api). The ready-made ones below are what tests
script per chat: `BLOCKED`, `DEACTIVATED`, `KICKED`, `CHAT_NOT_FOUND`, `BAD_GATEWAY`,
`too_many_requests(n)`, `migrated(new_id)`, and `DROP_CONNECTION` (the socket is closed with no
answer).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ApiError:
    """A Bot API error answer: HTTP status = error_code, Telegram's description, parameters."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = self.parameters
        return payload


class Refusal(Exception):
    """Raised inside a method to answer with `error` instead of a result."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.description)
        self.error = error


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 as the real server sends it: the body names the wait and `parameters` carry it."""
    seconds = max(1, int(retry_after))
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def migrated(new_chat_id: int) -> ApiError:
    """A group upgraded to a supergroup: Telegram names the new chat id."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )


UNAUTHORIZED = ApiError(401, "Unauthorized")
METHOD_NOT_FOUND = ApiError(404, "Not Found: method not found")
BLOCKED = ApiError(403, "Forbidden: bot was blocked by the user")
DEACTIVATED = ApiError(403, "Forbidden: user is deactivated")
KICKED = ApiError(403, "Forbidden: bot was kicked from the group chat")
CHAT_NOT_FOUND = bad_request("chat not found")
BAD_GATEWAY = ApiError(502, "Bad Gateway")
DROP_CONNECTION = ApiError(0, "connection dropped without an answer")
CONFLICT_OTHER_POLL = ApiError(
    409,
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
)
CONFLICT_WEBHOOK = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first",
)


@dataclass
class StoredFile:
    """A file the fake can serve through getFile and /file/bot<token>/<path>."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str
    mime_type: str
    file_path: str

    def document(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }


@dataclass
class BotState:
    """Chats, members, messages, files and commands of one fake bot."""

    bot_user: dict[str, Any]
    known_chats_only: bool = False
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    open_callback_queries: set[str] = field(default_factory=set)
    open_inline_queries: set[str] = field(default_factory=set)
    inline_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    _message_ids: dict[int, itertools.count[int]] = field(default_factory=dict)
    _file_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_chat(self, chat: dict[str, Any]) -> dict[str, Any]:
        self.chats[int(chat["id"])] = dict(chat)
        return self.chats[int(chat["id"])]

    def resolve_chat(self, chat_id: Any) -> dict[str, Any]:
        """The chat a `chat_id` parameter names, or CHAT_NOT_FOUND.

        Unless `known_chats_only`, an unseen numeric id is a chat that exists: positive ids are
        private chats, -100… supergroups, other negative ids basic groups.
        """
        if chat_id is None or chat_id == "":
            raise Refusal(bad_request("chat_id is empty"))
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            for chat in self.chats.values():
                if str(chat.get("username", "")).lower() == wanted:
                    return chat
            raise Refusal(CHAT_NOT_FOUND)
        try:
            numeric = int(chat_id)
        except (TypeError, ValueError):
            raise Refusal(CHAT_NOT_FOUND) from None
        if numeric in self.chats:
            return self.chats[numeric]
        if self.known_chats_only or numeric == 0:
            raise Refusal(CHAT_NOT_FOUND)
        if numeric > 0:
            return self.add_chat({"id": numeric, "type": "private", "first_name": "User"})
        kind = "supergroup" if str(numeric).startswith("-100") else "group"
        return self.add_chat({"id": numeric, "type": kind, "title": f"Chat {numeric}"})

    def next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def store_message(self, message: dict[str, Any]) -> dict[str, Any]:
        self.messages[(int(message["chat"]["id"]), int(message["message_id"]))] = message
        return message

    def new_bot_message(self, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        """A Message from the bot in `chat`, stored so it can be edited, deleted or pressed."""
        message = {
            "message_id": self.next_message_id(int(chat["id"])),
            "from": self.bot_user,
            "chat": _short_chat(chat),
            "date": int(time.time()),
            **{key: value for key, value in content.items() if value not in (None, [], "")},
        }
        if chat.get("type") == "channel":
            message.pop("from")
            message["sender_chat"] = _short_chat(chat)
        return self.store_message(message)

    def add_file(self, data: bytes, file_name: str, mime_type: str) -> StoredFile:
        number = next(self._file_ids)
        suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:06d}fake",
            file_unique_id=f"AgAD{number:06d}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"documents/file_{number}.{suffix}",
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == path), None)

    def member_status(self, chat: dict[str, Any], user_id: int) -> str:
        status = self.members.get((int(chat["id"]), user_id))
        if status is not None:
            return status
        if chat.get("type") == "private":
            return "member"
        return "left" if chat.get("type") == "channel" else "member"


def _short_chat(chat: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "type", "title", "username", "first_name", "last_name", "is_forum")
    return {key: chat[key] for key in keep if key in chat}
