"""Admin commands: one router per area, then a polite refusal for everyone else.

Every admin router filters its messages and buttons with IsAdmin (bot/filters.py), so an
admin command or a forged admin button from anyone else falls through to the refusal router,
which answers and does nothing else.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.filters import IsAdmin
from bot.handlers.admin import feedlist, feeds, keywords, opml, stats
from bot.handlers.admin.common import ADMIN_COMMANDS, CALLBACK_PREFIX, _


def refusal_router() -> Router:
    router = Router(name="admin_refusal")

    @router.message(Command(*ADMIN_COMMANDS), ~IsAdmin())
    async def refuse_command(message: Message) -> None:
        await message.answer(_("Sorry, this command is only for the bot's administrators."))

    @router.callback_query(F.data.startswith(CALLBACK_PREFIX), ~IsAdmin())
    async def refuse_button(callback: CallbackQuery) -> None:
        await callback.answer(
            _("Sorry, only the bot's administrators can do this."), show_alert=True
        )

    @router.message(F.document, F.chat.type == ChatType.PRIVATE, ~IsAdmin())
    async def refuse_document(message: Message) -> None:
        await message.answer(_("Only the bot's administrators can import feed lists."))

    return router


def create_router() -> Router:
    router = Router(name="admin")
    for area in (feeds, feedlist, stats, keywords, opml):
        router.include_router(area.create_router())
    router.include_router(refusal_router())
    return router
