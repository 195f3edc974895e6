"""/search and plain-text search in private chats: the five best stories, paged with buttons.

Queries never reach FTS5 raw (archive.search quotes every word). The query of a result
message lives in a small in-memory table keyed by its hash, so that the "More" button's
callback data stays within Telegram's 64 bytes whatever the query; after a restart an old
button asks for the search to be repeated instead of guessing.
"""

from __future__ import annotations

import hashlib
import html
from collections import OrderedDict

from aiogram import F, Router
from aiogram.enums import ChatType, ContentType
from aiogram.filters import CommandObject, or_f
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.config import Settings
from bot.filters import AddressedToUs, on_command
from bot.i18n import current_language, gettext_for
from bot.search_view import Reader, join_blocks, render_hit, shorten
from feeds.archive import Archive
from feeds.search import parse_query
from feeds.textnorm import strip_invisible

_ = gettext_for("search")
_messages = gettext_for("messages")

PAGE_SIZE = 5
MAX_OFFSET = 200  # deeper pages are never useful and only cost queries
QUERY_ECHO_CHARS = 60
# What people send in a private chat that is not text; service messages stay unanswered.
_MEDIA = frozenset(
    {
        ContentType.STICKER,
        ContentType.PHOTO,
        ContentType.VIDEO,
        ContentType.VOICE,
        ContentType.AUDIO,
        ContentType.ANIMATION,
        ContentType.VIDEO_NOTE,
        ContentType.LOCATION,
        ContentType.CONTACT,
    }
)


class SearchPage(CallbackData, prefix="sp"):
    """A "More"/"Back" button: which remembered query, from which result."""

    key: str
    offset: int


class QueryMemory:
    """The queries behind recent result messages, bounded (least recently used dropped)."""

    def __init__(self, size: int = 5000) -> None:
        self._size = size
        self._queries: OrderedDict[str, str] = OrderedDict()

    def remember(self, query: str) -> str:
        key = hashlib.blake2s(query.encode("utf-8", "replace"), digest_size=6).hexdigest()
        self._queries.pop(key, None)
        self._queries[key] = query
        if len(self._queries) > self._size:
            self._queries.popitem(last=False)
        return key

    def recall(self, key: str) -> str | None:
        query = self._queries.get(key)
        if query is not None:
            self._queries.move_to_end(key)
        return query


async def reader_for(archive: Archive, settings: Settings, chat_id: int | None) -> Reader:
    """The reader of an answer: the current language and the chat's time zone."""
    timezone = settings.default_timezone
    if chat_id is not None:
        subscriber = await archive.subscribers.get(chat_id)
        if subscriber is not None and subscriber.timezone:
            timezone = subscriber.timezone
    return Reader(current_language(), timezone)


def search_help() -> str:
    return _(
        "Send /search and a few words, for example:\n"
        "/search NGO grants\n/search public council\n/search қоғамдық кеңес\n\n"
        "Word forms match: «организации» also finds «организаций». "
        "In a private chat you can simply send the words."
    )


def page_keyboard(key: str, offset: int, has_more: bool) -> InlineKeyboardMarkup | None:
    row = []
    if offset > 0:
        back = SearchPage(key=key, offset=max(0, offset - PAGE_SIZE)).pack()
        row.append(InlineKeyboardButton(text=_("◂ Back"), callback_data=back))
    if has_more and offset + PAGE_SIZE <= MAX_OFFSET:
        more = SearchPage(key=key, offset=offset + PAGE_SIZE).pack()
        row.append(InlineKeyboardButton(text=_("More ▸"), callback_data=more))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


async def results_page(
    archive: Archive, query: str, offset: int, reader: Reader, memory: QueryMemory
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of one page of results for `query` (or why there are none)."""
    # Lone surrogates cannot be sent back to Telegram (they are not UTF-8): drop them, with
    # the invisible marks, before the query is echoed or remembered.
    query = strip_invisible(query)
    echo = html.escape(shorten(query, QUERY_ECHO_CHARS), quote=False)
    if parse_query(query) is None:
        return search_help(), None
    hits = await archive.search.search(query, limit=PAGE_SIZE + 1, offset=offset)
    if not hits:
        if offset:
            return _("No more results for «{query}».", query=echo), None
        return _(
            "Nothing found for «{query}». Try fewer or broader words (one key word instead "
            "of a phrase), or the same word in another language.",
            query=echo,
        ), None
    shown = hits[:PAGE_SIZE]
    header = _(
        "🔎 «{query}»: results {first}–{last}",
        query=echo,
        first=offset + 1,
        last=offset + len(shown),
    )
    blocks = [render_hit(hit, offset + n, reader) for n, hit in enumerate(shown, start=1)]
    key = memory.remember(query)
    return join_blocks(header, blocks), page_keyboard(key, offset, len(hits) > PAGE_SIZE)


def create_router() -> Router:
    """The search router; include it last, its plain-text handler catches any private text."""
    router = Router(name="search")
    memory = QueryMemory()

    @router.message(on_command("search"), flags={"throttle": "search"})
    async def search_command(
        message: Message, command: CommandObject, archive: Archive, settings: Settings
    ) -> None:
        query = (command.args or "").strip()
        if not query:
            await message.answer(search_help())
            return
        reader = await reader_for(archive, settings, message.chat.id)
        text, keyboard = await results_page(archive, query, 0, reader, memory)
        await message.answer(text, reply_markup=keyboard)

    @router.callback_query(SearchPage.filter(), flags={"throttle": "search"})
    async def search_page(
        callback: CallbackQuery, callback_data: SearchPage, archive: Archive, settings: Settings
    ) -> None:
        query = memory.recall(callback_data.key)
        message = callback.message
        if query is None or message is None or isinstance(message, InaccessibleMessage):
            await callback.answer(
                _("This search has expired. Please search again."), show_alert=True
            )
            return
        offset = min(max(0, callback_data.offset), MAX_OFFSET)
        reader = await reader_for(archive, settings, message.chat.id)
        text, keyboard = await results_page(archive, query, offset, reader, memory)
        await message.edit_text(text, reply_markup=keyboard)
        await callback.answer()

    # Throttled like searches: a flood of nonsense must not get a reply per message. In a
    # group only a command addressed to this bot by name is ours to answer.
    @router.message(
        F.text.startswith("/"),
        or_f(F.chat.type == ChatType.PRIVATE, AddressedToUs()),
        flags={"throttle": "search"},
    )
    async def unknown_command(message: Message) -> None:
        """A command no handler took: say so instead of staying silent."""
        name = html.escape(shorten(strip_invisible((message.text or "").split()[0]), 40))
        await message.answer(
            _("I do not know the command {command}. /help lists what I can do.", command=name)
        )

    @router.message(
        F.chat.type == ChatType.PRIVATE, F.content_type.in_(_MEDIA), flags={"throttle": "search"}
    )
    async def media_message(message: Message) -> None:
        """A sticker, photo or voice note cannot be searched for: say what can."""
        await message.answer(
            _("I can only read text: send a few words to search the news, or /help.")
        )

    @router.callback_query()
    async def unknown_button(callback: CallbackQuery) -> None:
        """A button no handler took (an older version's, or crafted): stop its spinner."""
        await callback.answer(
            _messages("This button is out of date. Please send the command again.")
        )

    @router.message(
        F.chat.type == ChatType.PRIVATE,
        F.text,
        ~F.text.startswith("/"),
        F.via_bot.is_(None),  # a story shared from inline mode is not a query
        flags={"throttle": "search"},
    )
    async def plain_text_search(message: Message, archive: Archive, settings: Settings) -> None:
        reader = await reader_for(archive, settings, message.chat.id)
        text, keyboard = await results_page(archive, message.text or "", 0, reader, memory)
        await message.answer(text, reply_markup=keyboard)

    return router
