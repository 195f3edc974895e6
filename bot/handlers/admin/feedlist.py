"""The feed list and its upkeep: /feeds (health, paged), /removefeed, /pausefeed, /resumefeed,
and /poll (poll every feed now and report)."""

from __future__ import annotations

import asyncio
import html
import logging

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.config import Settings
from bot.filters import on_command
from bot.handlers.admin.common import _, admin_router, parse_feed_id
from bot.handlers.admin.feeds import pipeline_context, reason_words
from bot.handlers.search import reader_for
from bot.search_view import Reader, format_when, join_blocks, shorten
from bot.services import Services
from feeds.archive import Archive
from feeds.models import Source
from feeds.pipeline import RefreshReport, poll_all

log = logging.getLogger(__name__)

FEEDS_PER_PAGE = 10
ERRORS_LISTED = 10


class FeedsPage(CallbackData, prefix="adm_fp"):
    page: int


class RemoveFeed(CallbackData, prefix="adm_rm"):
    """The confirmation button of /removefeed."""

    id: int


def feed_line(source: Source, counts: tuple[int, int], reader: Reader) -> str:
    """One feed's health: status, title, items and share kept, last success, errors."""
    items, kept = counts
    if not source.enabled:
        icon = "⏸"
    elif source.error_count:
        icon = "⚠️"
    else:
        icon = "✅"
    title = html.escape(shorten(source.title or source.url, 80), quote=False)
    share = f"{round(100 * kept / items)}%" if items else "—"
    last_ok = format_when(source.last_success_at, reader) if source.last_success_at else _("never")
    lines = [
        f"{icon} <b>#{source.id}</b> {title}",
        _(
            "items {items}, kept {share} · last success: {when} · errors in a row: {errors}",
            items=items,
            share=share,
            when=last_ok,
            errors=source.error_count,
        ),
    ]
    if source.error_count and source.last_error:
        lines.append("<i>" + html.escape(shorten(source.last_error, 160), quote=False) + "</i>")
    return "\n".join(lines)


async def feeds_page(
    archive: Archive, page: int, reader: Reader
) -> tuple[str, InlineKeyboardMarkup | None]:
    sources = await archive.sources.all()
    if not sources:
        return _("No feeds yet. Add one with /addfeed URL or send an OPML file."), None
    pages = (len(sources) + FEEDS_PER_PAGE - 1) // FEEDS_PER_PAGE
    page = min(max(page, 0), pages - 1)
    counts = await archive.sources.stats()
    shown = sources[page * FEEDS_PER_PAGE : (page + 1) * FEEDS_PER_PAGE]
    header = _(
        "Feeds: {count} (page {page} of {pages})", count=len(sources), page=page + 1, pages=pages
    )
    text = join_blocks(header, [feed_line(s, counts.get(s.id, (0, 0)), reader) for s in shown])
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text="◂", callback_data=FeedsPage(page=page - 1).pack()))
    if page + 1 < pages:
        row.append(InlineKeyboardButton(text="▸", callback_data=FeedsPage(page=page + 1).pack()))
    return text, InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


def poll_report(reports: list[RefreshReport]) -> str:
    """«Polled N feeds: X new, Y kept, Z errors», then the failing feeds."""
    new = sum(len(r.new_items) for r in reports)
    kept = sum(r.kept for r in reports)
    failed = [r for r in reports if r.error]
    lines = [
        _(
            "Polled {feeds} feeds: {new} new items, {kept} kept by the filter, {errors} errors.",
            feeds=len(reports),
            new=new,
            kept=kept,
            errors=len(failed),
        )
    ]
    for report in failed[:ERRORS_LISTED]:
        name = html.escape(
            f"#{report.source_id} {shorten(report.title or report.url, 60)}", quote=False
        )
        lines.append(f"⚠️ {name}: {reason_words(report.error or '')}")
    if len(failed) > ERRORS_LISTED:
        lines.append(_("…and {more} more; see /feeds.", more=len(failed) - ERRORS_LISTED))
    return "\n".join(lines)


def create_router() -> Router:
    router = admin_router("admin_feedlist")

    @router.message(on_command("feeds"))
    async def list_feeds(message: Message, archive: Archive, settings: Settings) -> None:
        reader = await reader_for(archive, settings, message.chat.id)
        text, keyboard = await feeds_page(archive, 0, reader)
        await message.answer(text, reply_markup=keyboard)

    @router.callback_query(FeedsPage.filter())
    async def turn_page(
        callback: CallbackQuery, callback_data: FeedsPage, archive: Archive, settings: Settings
    ) -> None:
        message = callback.message
        if message is None or isinstance(message, InaccessibleMessage):
            await callback.answer()
            return
        reader = await reader_for(archive, settings, message.chat.id)
        text, keyboard = await feeds_page(archive, callback_data.page, reader)
        await message.edit_text(text, reply_markup=keyboard)
        await callback.answer()

    @router.message(on_command("removefeed"))
    async def ask_remove(message: Message, command: CommandObject, archive: Archive) -> None:
        source = await _named_feed(message, command, archive, "/removefeed")
        if source is None:
            return
        button = InlineKeyboardButton(
            text=_("Yes, remove #{id}", id=source.id),
            callback_data=RemoveFeed(id=source.id).pack(),
        )
        title = html.escape(shorten(source.title or source.url, 200), quote=False)
        await message.answer(
            _("Remove feed #{id} «{title}» and all its stored items?", id=source.id, title=title),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
        )

    @router.callback_query(RemoveFeed.filter())
    async def confirm_remove(
        callback: CallbackQuery, callback_data: RemoveFeed, archive: Archive
    ) -> None:
        removed = await archive.sources.remove(callback_data.id)
        if removed:
            log.info("admin %s removed feed %s", callback.from_user.id, callback_data.id)
        text = (
            _("Feed #{id} removed.", id=callback_data.id)
            if removed
            else _("There is no feed #{id}.", id=callback_data.id)
        )
        message = callback.message
        if message is not None and not isinstance(message, InaccessibleMessage):
            await message.edit_text(text)
        await callback.answer()

    @router.message(on_command("pausefeed", "resumefeed"))
    async def pause_or_resume(message: Message, command: CommandObject, archive: Archive) -> None:
        name = command.command.casefold()
        pause = name == "pausefeed"
        source = await _named_feed(message, command, archive, "/" + name)
        if source is None:
            return
        await archive.sources.set_enabled(source.id, not pause)
        title = html.escape(shorten(source.title or source.url, 200), quote=False)
        if pause:
            await message.answer(_("⏸ Feed #{id} «{title}» paused.", id=source.id, title=title))
        else:
            await message.answer(
                _(
                    "▶️ Feed #{id} «{title}» resumed; it will be polled soon.",
                    id=source.id,
                    title=title,
                )
            )

    polling = asyncio.Lock()

    @router.message(on_command("poll"))
    async def poll_now(message: Message, services: Services) -> None:
        if services.fetcher is None:
            await message.answer(_("Feeds cannot be fetched in this build of the bot."))
            return
        # Admins are not throttled; a second /poll while one runs would only fetch it all twice.
        if polling.locked():
            await message.answer(_("A poll is already running; wait for its report."))
            return
        async with polling:
            progress = await message.answer(_("⏳ Polling every feed…"))
            reports = await poll_all(pipeline_context(services), only_due=False)
            await progress.edit_text(poll_report(reports))

    return router


async def _named_feed(
    message: Message, command: CommandObject, archive: Archive, usage: str
) -> Source | None:
    """The feed whose id follows the command, or None after telling the admin what is wrong."""
    feed_id = parse_feed_id(command.args)
    if feed_id is None:
        await message.answer(
            _("Send {command} and the feed's number from /feeds, e.g. {command} 3.", command=usage)
        )
        return None
    source = await archive.sources.get(feed_id)
    if source is None:
        await message.answer(_("There is no feed #{id}. /feeds lists them.", id=feed_id))
    return source
