"""Inline keyboards for settings, topics, language, watch words and /forget.

Callback data is built with aiogram's CallbackData factories and carries the chat the
keyboard belongs to: handlers act only when it equals the chat the button was pressed in,
so a crafted callback cannot change another chat. Labels are in the chat's language.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import LANGUAGES, translate
from feeds.archive.subscribers import MODES, Subscriber, WatchWord
from feeds.models import TOPICS
from feeds.topics import topic_name

LANGUAGE_NAMES: dict[str, str] = {"ru": "Русский", "kk": "Қазақша", "en": "English"}
CHECK = "✓"

# Settings screens and the actions their buttons take.
VIEWS: tuple[str, ...] = ("main", "hour", "weekday", "topics", "lang")
ACTIONS: tuple[str, ...] = (
    "view",
    "mode",
    "hour",
    "weekday",
    "topic",
    "all_topics",
    "lang",
    "done",
)


class SettingsCallback(CallbackData, prefix="set"):
    chat: int
    action: str
    value: str = ""


class WatchCallback(CallbackData, prefix="watch"):
    chat: int
    watch_id: int


class ForgetCallback(CallbackData, prefix="forget"):
    chat: int
    confirm: bool


def _t(language: str, message: str, **values: object) -> str:
    return translate("messages", language, message, **values)


def _marked(label: str, chosen: bool) -> str:
    return f"{CHECK} {label}" if chosen else label


def mode_label(mode: str, language: str) -> str:
    labels = {
        "instant": _t(language, "Instant"),
        "daily": _t(language, "Daily"),
        "weekly": _t(language, "Weekly"),
        "off": _t(language, "Off"),
    }
    return labels[mode]


def _button(chat_id: int, label: str, action: str, value: str = "") -> InlineKeyboardButton:
    data = SettingsCallback(chat=chat_id, action=action, value=value).pack()
    return InlineKeyboardButton(text=label, callback_data=data)


def _back(chat_id: int, language: str) -> InlineKeyboardButton:
    return _button(chat_id, "« " + _t(language, "Back"), "view", "main")


def welcome_keyboard(chat_id: int, language: str) -> InlineKeyboardMarkup:
    """The buttons under the welcome message: settings, topics, language."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(chat_id, "⚙️ " + _t(language, "Settings"), "view", "main"),
                _button(chat_id, "🗂 " + _t(language, "Topics"), "view", "topics"),
            ],
            [_button(chat_id, "🌐 " + _t(language, "Language"), "view", "lang")],
        ]
    )


def settings_keyboard(sub: Subscriber, hour_label: str, weekday_label: str) -> InlineKeyboardMarkup:
    """The main settings screen: mode, time, weekday, topics, language, done."""
    language, chat_id = sub.language, sub.chat_id
    rows = [
        [
            _button(chat_id, _marked(mode_label(mode, language), mode == sub.mode), "mode", mode)
            for mode in MODES
        ]
    ]
    timing = []
    if sub.mode in ("daily", "weekly"):
        timing.append(_button(chat_id, "🕘 " + hour_label, "view", "hour"))
    if sub.mode == "weekly":
        timing.append(_button(chat_id, "📅 " + weekday_label, "view", "weekday"))
    if timing:
        rows.append(timing)
    rows.append(
        [
            _button(chat_id, "🗂 " + _t(language, "Topics"), "view", "topics"),
            _button(chat_id, "🌐 " + LANGUAGE_NAMES.get(language, language), "view", "lang"),
        ]
    )
    rows.append([_button(chat_id, _t(language, "Done"), "done")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def hour_keyboard(sub: Subscriber, hour_labels: list[str]) -> InlineKeyboardMarkup:
    """24 hours, six to a row, the current one ticked."""
    builder = InlineKeyboardBuilder()
    for hour, label in enumerate(hour_labels):
        builder.add(_button(sub.chat_id, _marked(label, hour == sub.hour), "hour", str(hour)))
    builder.adjust(4)
    builder.row(_back(sub.chat_id, sub.language))
    return builder.as_markup()


def weekday_keyboard(sub: Subscriber, day_names: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for day, name in enumerate(day_names):
        builder.add(_button(sub.chat_id, _marked(name, day == sub.weekday), "weekday", str(day)))
    builder.adjust(2)
    builder.row(_back(sub.chat_id, sub.language))
    return builder.as_markup()


def topics_keyboard(sub: Subscriber) -> InlineKeyboardMarkup:
    """One toggle per topic (✓ when chosen) and "all topics"; none chosen means all."""
    language, chat_id = sub.language, sub.chat_id
    rows = [
        [
            _button(
                chat_id,
                _marked(topic_name(topic, language), topic in sub.topics),
                "topic",
                str(index),
            )
        ]
        for index, topic in enumerate(TOPICS)
    ]
    rows.append(
        [_button(chat_id, _marked(_t(language, "All topics"), not sub.topics), "all_topics")]
    )
    rows.append([_back(chat_id, language)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def language_keyboard(sub: Subscriber) -> InlineKeyboardMarkup:
    rows = [
        [_button(sub.chat_id, _marked(LANGUAGE_NAMES[code], code == sub.language), "lang", code)]
        for code in LANGUAGES
    ]
    rows.append([_back(sub.chat_id, sub.language)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def watch_keyboard(chat_id: int, words: list[WatchWord]) -> InlineKeyboardMarkup | None:
    """One "✕ phrase" button per watch phrase, to remove it; None when there are none."""
    if not words:
        return None
    rows = [
        [
            InlineKeyboardButton(
                text=f"✕ {word.phrase}"[:64],
                callback_data=WatchCallback(chat=chat_id, watch_id=word.id).pack(),
            )
        ]
        for word in words
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def forget_keyboard(chat_id: int, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_t(language, "Yes, delete everything"),
                    callback_data=ForgetCallback(chat=chat_id, confirm=True).pack(),
                ),
                InlineKeyboardButton(
                    text=_t(language, "Cancel"),
                    callback_data=ForgetCallback(chat=chat_id, confirm=False).pack(),
                ),
            ]
        ]
    )
