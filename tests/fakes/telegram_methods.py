"""The Bot API methods the fake implements, each a function of one decoded request.

A method validates like Telegram (same order: chat, content, then the flood limit), changes the
`BotState`, and returns the `result`, or raises `Refusal` with Telegram's error. getUpdates lives
in telegram_api.py because it waits.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram_html import HtmlParseError, parse_html
from tests.fakes.telegram_state import (
    BotState,
    Refusal,
    StoredFile,
    bad_request,
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class MethodRequest:
    """One decoded call: parameters, uploaded files, the bot's state, and the flood gate."""

    params: dict[str, Any]
    state: BotState
    admit: Callable[[int], None]  # raises Refusal(429) when a send to this chat is over a limit
    uploads: dict[str, Upload] = field(default_factory=dict)


Method = Callable[[MethodRequest], Any]


def formatted(
    text: Any, parse_mode: Any, entities: Any, *, limit: int, empty_ok: bool
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities as Telegram stores them, or the error it gives for `text`."""
    raw = "" if text is None else str(text)
    mode = str(parse_mode or "").lower()
    if mode == "html":
        try:
            plain, found = parse_html(raw)
        except HtmlParseError as exc:
            raise Refusal(bad_request(f"can't parse entities: {exc}")) from None
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown is not parsed: the bot uses HTML or explicit entities.
        plain, found = raw, list(entities) if isinstance(entities, list) else []
    else:
        raise Refusal(bad_request(f"unsupported parse_mode {parse_mode}"))
    plain = plain.rstrip()
    if not plain.strip() and not empty_ok:
        raise Refusal(bad_request("message text is empty"))
    if len(plain) > limit:
        what = "message is too long" if limit == MAX_TEXT else "message caption is too long"
        raise Refusal(bad_request(what))
    return plain, found


def checked_markup(markup: Any) -> dict[str, Any] | None:
    """The reply_markup as Telegram would echo it; callback data must be 1-64 bytes."""
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict):
        raise Refusal(bad_request("can't parse reply keyboard markup JSON object"))
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not str(button.get("text", "")):
                raise Refusal(bad_request("text buttons are unallowed in the inline keyboard"))
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise Refusal(bad_request("BUTTON_DATA_INVALID"))
    return markup


def send_message(req: MethodRequest) -> dict[str, Any]:
    p = req.params
    chat = req.state.resolve_chat(p.get("chat_id"))
    text, entities = formatted(
        p.get("text"), p.get("parse_mode"), p.get("entities"), limit=MAX_TEXT, empty_ok=False
    )
    markup = checked_markup(p.get("reply_markup"))
    req.admit(int(chat["id"]))
    return req.state.new_bot_message(chat, text=text, entities=entities, reply_markup=markup)


def send_document(req: MethodRequest) -> dict[str, Any]:
    p = req.params
    chat = req.state.resolve_chat(p.get("chat_id"))
    caption, entities = formatted(
        p.get("caption"),
        p.get("parse_mode"),
        p.get("caption_entities"),
        limit=MAX_CAPTION,
        empty_ok=True,
    )
    stored = _document_file(req, p.get("document"))
    markup = checked_markup(p.get("reply_markup"))
    req.admit(int(chat["id"]))
    return req.state.new_bot_message(
        chat,
        document=stored.document(),
        caption=caption,
        caption_entities=entities,
        reply_markup=markup,
    )


def _document_file(req: MethodRequest, document: Any) -> StoredFile:
    if isinstance(document, str) and document.startswith("attach://"):
        upload = req.uploads.get(document.removeprefix("attach://"))
    elif isinstance(document, str):
        known = req.state.files.get(document)
        if known is not None:
            return known
        raise Refusal(bad_request("wrong file identifier/HTTP URL specified"))
    else:
        upload = req.uploads.get("document")
    if upload is None:
        raise Refusal(bad_request("there is no document in the request"))
    return req.state.add_file(upload.data, upload.filename, upload.content_type)


def send_other(req: MethodRequest) -> dict[str, Any]:
    """Any other send* method: chat checks and flood limits apply; the content is echoed."""
    p = req.params
    chat = req.state.resolve_chat(p.get("chat_id"))
    caption, _ = formatted(
        p.get("caption"), p.get("parse_mode"), None, limit=MAX_CAPTION, empty_ok=True
    )
    req.admit(int(chat["id"]))
    return req.state.new_bot_message(chat, caption=caption)


def _stored_message(req: MethodRequest, what: str) -> dict[str, Any]:
    p = req.params
    chat = req.state.resolve_chat(p.get("chat_id"))
    try:
        key = (int(chat["id"]), int(p.get("message_id", 0)))
    except (TypeError, ValueError):
        raise Refusal(bad_request("message_id is invalid")) from None
    message = req.state.messages.get(key)
    if message is None:
        raise Refusal(bad_request(f"message to {what} not found"))
    return message


_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def edit_message_text(req: MethodRequest) -> dict[str, Any] | bool:
    p = req.params
    text, entities = formatted(
        p.get("text"), p.get("parse_mode"), p.get("entities"), limit=MAX_TEXT, empty_ok=False
    )
    markup = checked_markup(p.get("reply_markup"))
    if p.get("inline_message_id"):
        return True
    message = _stored_message(req, "edit")
    if "text" not in message:
        raise Refusal(bad_request("there is no text in the message to edit"))
    return _replace(req, message, text=text, entities=entities, reply_markup=markup)


def edit_message_reply_markup(req: MethodRequest) -> dict[str, Any] | bool:
    markup = checked_markup(req.params.get("reply_markup"))
    if req.params.get("inline_message_id"):
        return True
    message = _stored_message(req, "edit")
    return _replace(
        req,
        message,
        text=message.get("text"),
        entities=message.get("entities"),
        reply_markup=markup,
    )


def _replace(req: MethodRequest, message: dict[str, Any], **content: Any) -> dict[str, Any]:
    updated = {k: v for k, v in message.items() if k not in ("text", "entities", "reply_markup")}
    updated.update({k: v for k, v in content.items() if v not in (None, [], "")})
    comparable = ("text", "entities", "reply_markup")
    if all(updated.get(k) == message.get(k) for k in comparable):
        raise Refusal(bad_request(_NOT_MODIFIED))
    updated["edit_date"] = int(time.time())
    return req.state.store_message(updated)


def delete_message(req: MethodRequest) -> bool:
    message = _stored_message(req, "delete")
    del req.state.messages[(int(message["chat"]["id"]), int(message["message_id"]))]
    return True


def answer_callback_query(req: MethodRequest) -> bool:
    query_id = str(req.params.get("callback_query_id", ""))
    if query_id not in req.state.open_callback_queries:
        raise Refusal(
            bad_request("query is too old and response timeout expired or query ID is invalid")
        )
    if len(str(req.params.get("text") or "")) > 200:
        raise Refusal(bad_request("MESSAGE_TOO_LONG"))
    req.state.open_callback_queries.discard(query_id)
    return True


def answer_inline_query(req: MethodRequest) -> bool:
    p = req.params
    query_id = str(p.get("inline_query_id", ""))
    if query_id not in req.state.open_inline_queries:
        raise Refusal(
            bad_request("query is too old and response timeout expired or query ID is invalid")
        )
    results = p.get("results")
    if not isinstance(results, list):
        raise Refusal(bad_request("can't parse inline query results JSON object"))
    if len(results) > 50:
        raise Refusal(bad_request("RESULTS_TOO_MUCH"))
    if len(str(p.get("next_offset") or "").encode()) > 64:
        raise Refusal(bad_request("NEXT_OFFSET_INVALID"))
    seen: set[str] = set()
    for result in results:
        result_id = str(result.get("id", ""))
        if not 1 <= len(result_id.encode()) <= 64:
            raise Refusal(bad_request("RESULT_ID_INVALID"))
        if result_id in seen:
            raise Refusal(bad_request("RESULT_ID_DUPLICATE"))
        seen.add(result_id)
        content = result.get("input_message_content") or {}
        if "message_text" in content:
            formatted(
                content["message_text"],
                content.get("parse_mode"),
                content.get("entities"),
                limit=MAX_TEXT,
                empty_ok=False,
            )
        checked_markup(result.get("reply_markup"))
    req.state.open_inline_queries.discard(query_id)
    req.state.inline_answers[query_id] = p
    return True


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def set_my_commands(req: MethodRequest) -> bool:
    commands = req.params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise Refusal(bad_request("can't parse commands JSON object"))
    for command in commands:
        if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
            raise Refusal(bad_request("BOT_COMMAND_INVALID"))
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise Refusal(bad_request("command description must be 1-256 characters"))
    language = str(req.params.get("language_code") or "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise Refusal(bad_request("invalid language code specified"))
    req.state.commands[_commands_key(req.params)] = commands
    return True


def get_my_commands(req: MethodRequest) -> list[dict[str, Any]]:
    return req.state.commands.get(_commands_key(req.params), [])


def delete_my_commands(req: MethodRequest) -> bool:
    req.state.commands.pop(_commands_key(req.params), None)
    return True


def get_me(req: MethodRequest) -> dict[str, Any]:
    return req.state.bot_user


def get_file(req: MethodRequest) -> dict[str, Any]:
    stored = req.state.files.get(str(req.params.get("file_id", "")))
    if stored is None:
        raise Refusal(bad_request("invalid file_id"))
    if len(stored.data) > 20 * 1024 * 1024:
        raise Refusal(bad_request("file is too big"))
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def get_chat(req: MethodRequest) -> dict[str, Any]:
    chat = req.state.resolve_chat(req.params.get("chat_id"))
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


def _member(req: MethodRequest, chat: dict[str, Any], user_id: int) -> dict[str, Any]:
    from tests.fakes.telegram_updates import chat_member

    if user_id == req.state.bot_user["id"]:
        user = req.state.bot_user
    else:
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
    return chat_member(user, req.state.member_status(chat, user_id))


def get_chat_member(req: MethodRequest) -> dict[str, Any]:
    chat = req.state.resolve_chat(req.params.get("chat_id"))
    try:
        user_id = int(req.params.get("user_id", 0))
    except (TypeError, ValueError):
        raise Refusal(bad_request("invalid user_id specified")) from None
    return _member(req, chat, user_id)


def get_chat_administrators(req: MethodRequest) -> list[dict[str, Any]]:
    chat = req.state.resolve_chat(req.params.get("chat_id"))
    if chat.get("type") == "private":
        raise Refusal(bad_request("there are no administrators in the private chat"))
    chat_id = int(chat["id"])
    return [
        _member(req, chat, user_id)
        for (member_chat, user_id), status in req.state.members.items()
        if member_chat == chat_id and status in ("creator", "administrator")
    ]


def set_webhook(req: MethodRequest) -> bool:
    url = str(req.params.get("url") or "")
    if not url:
        req.state.webhook = None
        return True
    if not url.startswith(("http://", "https://")):
        raise Refusal(bad_request("bad webhook: invalid URL"))
    req.state.webhook = {
        "url": url,
        "secret_token": req.params.get("secret_token"),
        "allowed_updates": req.params.get("allowed_updates"),
    }
    return True


def delete_webhook(req: MethodRequest) -> bool:
    req.state.webhook = None
    return True


def get_webhook_info(req: MethodRequest) -> dict[str, Any]:
    url = req.state.webhook["url"] if req.state.webhook else ""
    return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}


def harmless(req: MethodRequest) -> bool:
    return True


METHODS: dict[str, Method] = {
    "getme": get_me,
    "sendmessage": send_message,
    "senddocument": send_document,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "answerinlinequery": answer_inline_query,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getfile": get_file,
    "getchat": get_chat,
    "getchatmember": get_chat_member,
    "getchatadministrators": get_chat_administrators,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "close": harmless,
    "logout": harmless,
}
