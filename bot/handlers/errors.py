"""The last line of defence: any exception in a handler is logged and apologised for.

aiogram's ErrorsMiddleware sends every exception a handler raises here; answering it marks
the update as handled, so polling goes on with the next one.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.i18n import translate
from bot.middlewares import chat_language
from feeds.archive import Archive

log = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(apologise)
    return router


async def apologise(event: ErrorEvent, bot: Bot, archive: Archive, **data: Any) -> bool:
    """Log the failure with the update id; tell the person something went wrong, briefly."""
    update = event.update
    log.error(
        "update %s (%s) failed: %r",
        update.update_id,
        update.event_type,
        event.exception,
        exc_info=event.exception,
    )
    user = data.get("event_from_user")
    chat = data.get("event_chat")
    try:
        language = await chat_language(archive, chat.id if chat else None, user)
    except Exception:  # the archive itself may be what failed
        language = "en"
    text = translate("messages", language, "Sorry, something went wrong. Please try again later.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.inline_query is not None:
            await update.inline_query.answer([], cache_time=1, is_personal=True)
        elif chat is not None and chat.type != "channel":
            await bot.send_message(chat.id, text)
    except TelegramAPIError as exc:
        log.warning("could not send the apology for update %s: %s", update.update_id, exc)
    return True
