"""/watch: personal alerts. `/watch words` adds a phrase; `/watch` lists them with ✕ buttons.

The phrase is stored as the person wrote it (cleaned of invisible characters); the delivery
side matches it by word forms, as search does, and sends matching news at once.
"""

from __future__ import annotations

import html
import logging
import re

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message

from bot.filters import on_command
from bot.handlers.access import callback_chat, may_manage
from bot.handlers.screens import edit_screen
from bot.i18n import gettext_for
from bot.keyboards import WatchCallback, watch_keyboard
from feeds.archive import Archive
from feeds.archive.subscribers import WatchWord
from feeds.search import parse_query
from feeds.textnorm import strip_invisible, tokenize

log = logging.getLogger(__name__)
_ = gettext_for("messages")

MAX_PHRASES = 20
MAX_WORDS = 5
MAX_PHRASE_CHARS = 100
_SPACES = re.compile(r"\s+")


def create_router() -> Router:
    router = Router(name="watch")
    router.message.filter(F.chat.type != ChatType.CHANNEL)
    router.message.register(watch, on_command("watch"))
    router.callback_query.register(remove_phrase, WatchCallback.filter())
    return router


def clean_phrase(raw: str) -> str | None:
    """The phrase to store: visible characters, single spaces, lower case; None if no words.

    It is never cut: a phrase over the limit is refused (`watch`), not stored shortened."""
    text = _SPACES.sub(" ", strip_invisible(raw)).strip().casefold()
    text = "".join(ch for ch in text if ch.isprintable())
    return text if tokenize(text) else None


def alert_key(phrase: str) -> frozenset[str]:
    """What an alert looks for: one search clause per word (its forms alike), in any order.

    Two phrases with the same key find the same news («Гранты, НКО» and «нко гранты»)."""
    parsed = parse_query(phrase)
    return frozenset(parsed.match.split(" AND ")) if parsed is not None else frozenset()


def list_text(words: list[WatchWord]) -> str:
    if not words:
        return _(
            "You have no alerts yet. Send /watch and words to look for, for example:\n"
            "/watch госсоцзаказ\n/watch гранттар\n"
            "News with these words, in any word form, will be sent to you at once."
        )
    lines = [_("<b>Your alerts</b> (tap one to remove it):")]
    lines += [f"• {html.escape(word.phrase)}" for word in words]
    return "\n".join(lines)


async def watch(message: Message, command: CommandObject, bot: Bot, archive: Archive) -> None:
    chat = message.chat
    if not await may_manage(bot, chat, message.from_user, message.sender_chat):
        await message.answer(_("Only the group's admins can change its settings."))
        return
    subscriber = await archive.subscribers.get(chat.id)
    if subscriber is None:
        await message.answer(_("This chat is not subscribed yet. Send /start first."))
        return
    words = await archive.subscribers.watch_words(chat.id)
    if not (command.args or "").strip():
        await message.answer(list_text(words), reply_markup=watch_keyboard(chat.id, words))
        return
    phrase = clean_phrase(command.args or "")
    if phrase is None:
        await message.answer(_("There are no words to look for in that. Try: /watch гранты НКО"))
        return
    refusal = _refusal(phrase, words)
    if refusal is not None:
        await message.answer(refusal)
        return
    added = await archive.subscribers.add_watch(chat.id, phrase)
    log.info("chat %s: /watch (%s)", chat.id, "added" if added else "already there")
    if added:
        text = _(
            "Alert added: «{phrase}». News with these words will be sent to you at once.",
            phrase=html.escape(phrase),
        )
    else:
        text = _("You already have the alert «{phrase}».", phrase=html.escape(phrase))
    text += "\n" + _("/watch lists your alerts.")
    if not subscriber.active:  # alerts go only to active chats: do not promise them
        text += "\n" + _("The subscription is paused: send /start to resume it.")
    await message.answer(text)


def _refusal(phrase: str, words: list[WatchWord]) -> str | None:
    """Why `phrase` cannot become an alert next to `words`, or None when it can."""
    if len(phrase) > MAX_PHRASE_CHARS:
        return _(
            "An alert can be up to {limit} characters long; this one has {length}. "
            "A word or two find more.",
            limit=MAX_PHRASE_CHARS,
            length=len(phrase),
        )
    if len(tokenize(phrase)) > MAX_WORDS:
        return _("An alert can have up to {count} words; fewer words find more.", count=MAX_WORDS)
    key = alert_key(phrase)
    same = next((word for word in words if alert_key(word.phrase) == key), None)
    if same is not None:
        # Checked before the limit: a full list must not hide that the alert is already there.
        return _("You already have the alert «{phrase}».", phrase=html.escape(same.phrase))
    if len(words) >= MAX_PHRASES:
        return _(
            "You have {count} alerts, the most allowed. Remove one with /watch first.",
            count=MAX_PHRASES,
        )
    return None


async def remove_phrase(
    callback: CallbackQuery, callback_data: WatchCallback, bot: Bot, archive: Archive
) -> None:
    chat = await callback_chat(callback, bot, callback_data.chat)
    if chat is None:
        return
    removed = await archive.subscribers.remove_watch(chat.id, callback_data.watch_id)
    words = await archive.subscribers.watch_words(chat.id)
    await edit_screen(callback, list_text(words), watch_keyboard(chat.id, words))
    await callback.answer(_("Alert removed.") if removed else _("That alert was already removed."))
