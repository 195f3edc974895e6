"""/settings, /topics and /lang, and the buttons of their screens.

Every change is stored at once and the screen is edited in place. Buttons carry the chat
they belong to; `callback_chat` refuses them anywhere else and checks group admins.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message

from bot.filters import on_command
from bot.handlers.access import callback_chat, may_manage
from bot.handlers.screens import edit_screen, settings_screen, settings_text
from bot.i18n import LANGUAGES, gettext_for, translate
from bot.keyboards import LANGUAGE_NAMES, VIEWS, SettingsCallback
from feeds.archive import Archive
from feeds.archive.subscribers import MODES, Subscriber
from feeds.models import TOPICS

log = logging.getLogger(__name__)
_ = gettext_for("messages")


def create_router() -> Router:
    router = Router(name="settings")
    router.message.filter(F.chat.type != ChatType.CHANNEL)
    router.message.register(show_settings, on_command("settings"))
    router.message.register(show_topics, on_command("topics"))
    router.message.register(choose_language, on_command("lang"))
    router.callback_query.register(press_settings_button, SettingsCallback.filter())
    return router


async def _subscriber_or_hint(message: Message, bot: Bot, archive: Archive) -> Subscriber | None:
    """The chat's subscriber if this person may change it; otherwise answer why not."""
    if not await may_manage(bot, message.chat, message.from_user, message.sender_chat):
        await message.answer(_("Only the group's admins can change its settings."))
        return None
    subscriber = await archive.subscribers.get(message.chat.id)
    if subscriber is None:
        await message.answer(_("This chat is not subscribed yet. Send /start first."))
    return subscriber


async def _show(message: Message, bot: Bot, archive: Archive, view: str) -> None:
    subscriber = await _subscriber_or_hint(message, bot, archive)
    if subscriber is not None:
        text, markup = settings_screen(subscriber, view)
        await message.answer(text, reply_markup=markup)


async def show_settings(message: Message, bot: Bot, archive: Archive) -> None:
    await _show(message, bot, archive, "main")


async def show_topics(message: Message, bot: Bot, archive: Archive) -> None:
    await _show(message, bot, archive, "topics")


# What people type after /lang besides the codes: "kz" (the country's code) and each
# language's own name as the buttons show it.
_LANGUAGE_WORDS: dict[str, str] = {
    "kz": "kk",
    **{name.casefold(): code for code, name in LANGUAGE_NAMES.items()},
}


def parse_language(text: str) -> str | None:
    """The language code `text` names (ru, kk, en, kz, Қазақша…), or None."""
    word = text.strip().casefold()
    return word if word in LANGUAGES else _LANGUAGE_WORDS.get(word)


async def choose_language(
    message: Message, command: CommandObject, bot: Bot, archive: Archive
) -> None:
    """/lang shows the choice; /lang kk (ru, en) switches at once."""
    given = (command.args or "").strip()
    if not given:
        await _show(message, bot, archive, "lang")
        return
    wanted = parse_language(given)
    if wanted is None:
        choices = ", ".join(f"/lang {code} ({LANGUAGE_NAMES[code]})" for code in LANGUAGES)
        await message.answer(_("Unknown language. Choose one of: {choices}", choices=choices))
        return
    subscriber = await _subscriber_or_hint(message, bot, archive)
    if subscriber is None:
        return
    await archive.subscribers.set_language(message.chat.id, wanted)
    await message.answer(
        translate("messages", wanted, "Language: {name}", name=LANGUAGE_NAMES[wanted])
    )


def _change(
    subscriber: Subscriber, action: str, value: str
) -> tuple[dict[str, object], str] | None:
    """The settings a button changes and the view to show next; None for invalid data."""
    if action == "view" and value in VIEWS:
        return {}, value
    if action == "mode" and value in MODES:
        return {"mode": value}, "main"
    if action == "hour" and value.isdigit() and 0 <= int(value) <= 23:
        return {"hour": int(value)}, "main"
    if action == "weekday" and value.isdigit() and 0 <= int(value) <= 6:
        return {"weekday": int(value)}, "main"
    if action == "topic" and value.isdigit() and int(value) < len(TOPICS):
        topic = TOPICS[int(value)]
        chosen = [t for t in subscriber.topics if t != topic]
        if topic not in subscriber.topics:
            chosen.append(topic)
        # Keep the digest's topic order whatever order they were tapped in.
        return {"topics": sorted(chosen, key=TOPICS.index)}, "topics"
    if action == "all_topics":
        return {"topics": []}, "topics"
    if action == "lang" and value in LANGUAGES:
        return {"language": value}, "main"
    if action == "done":
        return {}, "done"
    return None


async def press_settings_button(
    callback: CallbackQuery, callback_data: SettingsCallback, bot: Bot, archive: Archive
) -> None:
    chat = await callback_chat(callback, bot, callback_data.chat)
    if chat is None:
        return
    subscriber = await archive.subscribers.get(chat.id)
    if subscriber is None:
        await callback.answer(_("This chat is not subscribed yet. Send /start first."))
        return
    change = _change(subscriber, callback_data.action, callback_data.value)
    if change is None:
        await callback.answer(_("This button is out of date. Please send the command again."))
        return
    changes, view = change
    if changes:
        updated = await archive.subscribers.update(chat.id, **changes)
        subscriber = updated or subscriber
        log.info("chat %s: settings changed (%s)", chat.id, ", ".join(changes))
    if view == "done":
        await edit_screen(callback, settings_text(subscriber), None)
    else:
        await edit_screen(callback, *settings_screen(subscriber, view))
    saved = translate("messages", subscriber.language, "Saved") if changes else None
    await callback.answer(saved)
