"""Admin commands: one router per area, then a polite refusal for everyone else.

Every admin router filters its messages and buttons with IsAdmin (bot/filters.py), so an
admin command or a forged admin button from anyone else falls through to the refusal router,
which answers and does nothing else.

Admin commands are not throttled: only ADMIN_IDS reach them, and an admin tuning keywords
sends many in a row. What is costly is serialised where it runs instead (one re-scoring, one
/poll at a time). The refusals are throttled like searches, so a flood from anyone else gets
one "slow down" and then silence.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.filters import IsAdmin, on_command
from bot.handlers.admin import feedlist, feeds, keywords, opml, stats
from bot.handlers.admin.common import ADMIN_COMMANDS, CALLBACK_PREFIX, _


def refusal_router() -> Router:
    router = Router(name="admin_refusal")

    @router.message(on_command(*ADMIN_COMMANDS), ~IsAdmin(), flags={"throttle": "search"})
    async def refuse_command(message: Message) -> None:
        await message.answer(_("Sorry, this command is only for the bot's administrators."))

    @router.callback_query(
        F.data.startswith(CALLBACK_PREFIX), ~IsAdmin(), flags={"throttle": "search"}
    )
    async def refuse_button(callback: CallbackQuery) -> None:
        await callback.answer(
            _("Sorry, only the bot's administrators can do this."), show_alert=True
        )

    @router.message(
        F.document, F.chat.type == ChatType.PRIVATE, ~IsAdmin(), flags={"throttle": "search"}
    )
    async def refuse_document(message: Message) -> None:
        await message.answer(_("Only the bot's administrators can import feed lists."))

    return router


def create_router() -> Router:
    router = Router(name="admin")
    for area in (feeds, feedlist, stats, keywords, opml):
        router.include_router(area.create_router())
    router.include_router(refusal_router())
    return router
