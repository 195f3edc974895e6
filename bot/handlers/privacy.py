"""/help (what the bot does, what it stores and why) and /forget (delete all of it).

/forget asks first; the confirmation button deletes the chat's settings, watch words,
delivery records and queued messages, and nothing about the chat is left behind.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.filters import on_command
from bot.handlers.access import callback_chat, may_manage
from bot.handlers.screens import DEFAULT_HOUR, edit_screen, hour_label
from bot.i18n import current_language, gettext_for
from bot.keyboards import ForgetCallback, forget_keyboard
from feeds.archive import Archive

log = logging.getLogger(__name__)
_ = gettext_for("messages")

# Buttons of ours whose data no longer parses (an older version, or crafted): say so.
_OUR_PREFIXES = ("set:", "watch:", "forget:")


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(F.chat.type != ChatType.CHANNEL)
    router.message.register(show_help, on_command("help"))
    router.message.register(ask_to_forget, on_command("forget"))
    router.callback_query.register(confirm_forget, ForgetCallback.filter())
    router.callback_query.register(
        stale_button,
        F.data.func(lambda data: isinstance(data, str) and data.startswith(_OUR_PREFIXES)),
    )
    return router


def help_text() -> str:
    return "\n".join(
        (
            _(
                "<b>civic-digest</b> collects news about NGOs, civil society and public policy in Kazakhstan from news sites and official sources, in Russian, Kazakh and English, and sends you a short digest."
            ),
            "",
            _("<b>Commands</b>"),
            _(
                "/start: subscribe (a daily digest at {time}, all topics)",
                time=hour_label(DEFAULT_HOUR, current_language()),
            ),
            _("/settings: instant, daily or weekly digest, the time, the language"),
            _("/topics: choose topics"),
            _("/search words: search the news archive; in a private chat, just send the words"),
            _("/latest: the newest stories; /digest: your digest now"),
            _("/watch words: an alert when news mentions them"),
            _("/lang: interface language (Русский, Қазақша, English)"),
            _("/addchannel @channel: post the digest to your channel"),
            _("/stop: unsubscribe; /forget: delete everything stored about this chat"),
            "",
            _("<b>What is stored, and why</b>"),
            _(
                "For this chat: its id, type and title, the language, time zone, schedule and topics you chose, your alert words, and which stories were already sent here, so that the bot can deliver your digest and never send the same story twice."
            ),
            _("Your messages and searches are not saved, and nothing is shared with anyone."),
            _("/forget deletes all of it at once."),
        )
    )


async def show_help(message: Message) -> None:
    await message.answer(help_text())


async def ask_to_forget(message: Message, bot: Bot) -> None:
    chat = message.chat
    if not await may_manage(bot, chat, message.from_user, message.sender_chat):
        await message.answer(_("Only the group's admins can change its settings."))
        return
    await message.answer(
        _(
            "Delete everything stored about this chat: the subscription, settings, alerts and "
            "the record of sent stories? This cannot be undone."
        ),
        reply_markup=forget_keyboard(chat.id, current_language()),
    )


async def confirm_forget(
    callback: CallbackQuery, callback_data: ForgetCallback, bot: Bot, archive: Archive
) -> None:
    chat = await callback_chat(callback, bot, callback_data.chat)
    if chat is None:
        return
    if not callback_data.confirm:
        await edit_screen(callback, _("Nothing was deleted."), None)
        await callback.answer()
        return
    found = await archive.subscribers.forget(chat.id)
    log.info("chat %s: /forget (%s)", chat.id, "deleted" if found else "nothing stored")
    await edit_screen(
        callback,
        _("Done: nothing about this chat is stored any more. /start subscribes it again."),
        None,
    )
    await callback.answer()


async def stale_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This button is out of date. Please send the command again."))
