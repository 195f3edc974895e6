"""The text and keyboard of each subscriber screen, in the chat's own language.

Screens take the language from the subscriber, not from the update: after a language change
the edited message must already speak the new one.
"""

from __future__ import annotations

import html
from datetime import time

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup
from babel.dates import format_time, get_day_names

from bot.i18n import translate
from bot.keyboards import (
    LANGUAGE_NAMES,
    hour_keyboard,
    language_keyboard,
    settings_keyboard,
    topics_keyboard,
    weekday_keyboard,
)
from feeds.archive.subscribers import Subscriber
from feeds.topics import topic_name


def _t(language: str, message: str, **values: object) -> str:
    return translate("messages", language, message, **values)


# The hour a new subscription's daily digest comes at, as /help states it.
DEFAULT_HOUR = Subscriber(chat_id=0).hour


def hour_label(hour: int, language: str) -> str:
    """09:00 in ru and kk, 9:00 AM in en (Babel's short time format, as every time we show)."""
    return format_time(time(hour), "short", locale=language)


def day_names(language: str) -> list[str]:
    """Monday first, as Babel names them in `language`."""
    names = get_day_names("wide", locale=language)
    return [names[day] for day in range(7)]


def schedule_text(sub: Subscriber) -> str:
    """When the chat gets news, in a phrase that follows a colon: "every day at 9:00 AM"."""
    language = sub.language
    at = hour_label(sub.hour, language)
    if sub.mode == "instant":
        return _t(language, "As soon as news arrives")
    if sub.mode == "daily":
        return _t(language, "Every day at {time}", time=at)
    if sub.mode == "weekly":
        return _t(
            language,
            "Once a week: {weekday}, {time}",
            weekday=day_names(language)[sub.weekday],
            time=at,
        )
    return _t(language, "Off: no digests")


def topics_text(sub: Subscriber) -> str:
    if not sub.topics:
        return _t(sub.language, "all topics")
    return ", ".join(topic_name(topic, sub.language) for topic in sub.topics)


def welcome_text(sub: Subscriber) -> str:
    """Three lines: what the bot is, what and when they will get, how to change it."""
    language = sub.language
    return "\n".join(
        (
            _t(
                language,
                "<b>Hello! This is civic-digest:</b> news about NGOs, civil society and public policy in Kazakhstan.",
            ),
            _t(
                language,
                "Your digest: {schedule} ({timezone}). Topics: {topics}.",
                schedule=html.escape(schedule_text(sub)),
                timezone=html.escape(sub.timezone),
                topics=html.escape(topics_text(sub)),
            ),
            _t(
                language,
                "Change the schedule, topics and language with the buttons below; /help lists everything.",
            ),
        )
    )


def settings_text(sub: Subscriber) -> str:
    language = sub.language
    lines = ["<b>" + _t(language, "Settings") + "</b>"]
    if sub.chat_type == "channel":
        lines.append(_t(language, "Channel: {title}", title=html.escape(sub.title)))
    lines += [
        _t(language, "Digest: {schedule}", schedule=html.escape(schedule_text(sub))),
        _t(language, "Time zone: {timezone}", timezone=html.escape(sub.timezone)),
        _t(language, "Topics: {topics}", topics=html.escape(topics_text(sub))),
        _t(language, "Language: {name}", name=LANGUAGE_NAMES.get(language, language)),
    ]
    if not sub.active and sub.chat_type == "channel":
        lines.append(_t(language, "The channel gets no digests now: /addchannel resumes them."))
    elif not sub.active:
        lines.append(_t(language, "The subscription is paused: send /start to resume it."))
    return "\n".join(lines)


def settings_screen(sub: Subscriber, view: str) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of one settings view: main, hour, weekday, topics or lang."""
    language = sub.language
    if view == "hour":
        labels = [hour_label(hour, language) for hour in range(24)]
        return _t(
            language,
            "When should the digest arrive? ({timezone})",
            timezone=html.escape(sub.timezone),
        ), hour_keyboard(sub, labels)
    if view == "weekday":
        return _t(language, "On which day should the weekly digest arrive?"), weekday_keyboard(
            sub, day_names(language)
        )
    if view == "topics":
        text = _t(
            language,
            "<b>Topics</b>\nTap a topic to add or remove it. With none chosen you get all topics.",
        )
        return text, topics_keyboard(sub)
    if view == "lang":
        return _t(language, "Choose the interface language:"), language_keyboard(sub)
    return settings_text(sub), settings_keyboard(
        sub, hour_label(sub.hour, language), day_names(language)[sub.weekday]
    )


async def edit_screen(
    callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the button's message in place; pressing an already chosen option is no error."""
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "not modified" not in str(exc):
            raise
