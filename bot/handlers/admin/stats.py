"""/stats: subscribers, feeds, items and deliveries at a glance (never any secret)."""

from __future__ import annotations

import time

from aiogram import Router
from aiogram.types import Message

from bot.config import Settings
from bot.filters import on_command
from bot.handlers.admin.common import _, admin_router
from bot.handlers.search import reader_for
from bot.keyboards import LANGUAGE_NAMES
from bot.search_view import Reader, format_when
from feeds.archive import Archive
from feeds.archive.stats import StatsOverview


def _counts(counts: dict[str, int], names: dict[str, str]) -> str:
    if not counts:
        return "—"
    return ", ".join(f"{names.get(key, key)} {value}" for key, value in counts.items())


def render_stats(stats: StatsOverview, reader: Reader) -> str:
    modes = {"instant": _("instant"), "daily": _("daily"), "weekly": _("weekly"), "off": _("off")}
    languages = LANGUAGE_NAMES  # each language by its own name, readable in any interface
    last_poll = format_when(stats.last_poll_at, reader) if stats.last_poll_at else _("never")
    floods = "—" if stats.flood_waits_24h is None else str(stats.flood_waits_24h)
    lines = [
        _("📊 <b>Statistics</b>"),
        _(
            "Subscribers: {active} active, {stopped} unsubscribed, {blocked} blocked the bot",
            active=stats.active,
            stopped=stats.stopped,
            blocked=stats.blocked,
        ),
        _("By mode: {modes}", modes=_counts(stats.subscribers_by_mode, modes)),
        _("By language: {languages}", languages=_counts(stats.subscribers_by_language, languages)),
        _(
            "Feeds: {enabled} active ({failing} failing), {paused} paused",
            enabled=stats.feeds_enabled,
            failing=stats.feeds_failing,
            paused=stats.feeds_paused,
        ),
        _(
            "Items in 24 h: {items}, kept by the filter: {kept} (all stored: {total})",
            items=stats.items_24h,
            kept=stats.kept_24h,
            total=stats.items_total,
        ),
        _("Last poll: {when}", when=last_poll),
        _(
            "Messages sent in 24 h: {sent}; flood waits: {floods}",
            sent=stats.sent_24h,
            floods=floods,
        ),
        _(
            "Outbox: {pending} waiting, {dead} undeliverable",
            pending=stats.outbox_pending,
            dead=stats.outbox_dead,
        ),
    ]
    return "\n".join(lines)


def create_router() -> Router:
    router = admin_router("admin_stats")

    @router.message(on_command("stats"))
    async def stats(message: Message, archive: Archive, settings: Settings) -> None:
        overview = await archive.stats.overview(time.time())
        reader = await reader_for(archive, settings, message.chat.id)
        await message.answer(render_stats(overview, reader))

    return router
