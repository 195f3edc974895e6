"""OPML: a document an admin sends is imported with a report; /export sends the list back."""

from __future__ import annotations

import html
import io
import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import BufferedInputFile, Document, Message

from bot.filters import on_command
from bot.handlers.admin.common import _, admin_router
from bot.search_view import shorten
from feeds.archive import Archive
from feeds.opml import MAX_OPML_BYTES, OpmlError, build_opml, parse_opml

log = logging.getLogger(__name__)

INVALID_LISTED = 10
EXPORT_NAME = "civic-digest-feeds.opml"


def is_feed_list(document: Document) -> bool:
    """Whether a document looks like an OPML or XML feed list (by name or type)."""
    name = (document.file_name or "").lower()
    mime = (document.mime_type or "").lower()
    return name.endswith((".opml", ".xml")) or "opml" in mime or mime.endswith("/xml")


async def import_feeds(archive: Archive, data: bytes, admin_id: int) -> str:
    """Add the feeds of an OPML document; the report names what was added, known, invalid."""
    try:
        document = parse_opml(data)
    except OpmlError as exc:
        return _("This file cannot be imported: {reason}.", reason=html.escape(str(exc)))
    added = known = 0
    for feed in document.feeds:
        _source, created = await archive.sources.add(
            feed.url,
            title=feed.title,
            site_url=feed.site_url,
            language=feed.language,
            added_by=admin_id,
        )
        added += created
        known += not created
    log.info(
        "admin %s imported OPML: %s added, %s known, %s invalid",
        admin_id,
        added,
        known,
        len(document.invalid),
    )
    lines = [
        _(
            "📥 OPML imported: {added} added, {known} already in the list, {invalid} invalid.",
            added=added,
            known=known,
            invalid=len(document.invalid),
        )
    ]
    for url in document.invalid[:INVALID_LISTED]:
        lines.append("✗ " + html.escape(shorten(url, 120), quote=False))
    if added:
        lines.append(_("New feeds are polled within the next poll interval; /poll polls now."))
    return "\n".join(lines)


def create_router() -> Router:
    router = admin_router("admin_opml")

    @router.message(F.document, F.chat.type == ChatType.PRIVATE)
    async def upload(message: Message, bot: Bot, archive: Archive) -> None:
        document = message.document
        if document is None or not is_feed_list(document):
            await message.answer(_("To import feeds, send an OPML file (.opml or .xml)."))
            return
        if document.file_size is not None and document.file_size > MAX_OPML_BYTES:
            await message.answer(
                _(
                    "This file is too large to be a feed list (over {size} KB).",
                    size=MAX_OPML_BYTES // 1000,
                )
            )
            return
        buffer = io.BytesIO()
        await bot.download(document, destination=buffer)
        admin_id = message.from_user.id if message.from_user else 0
        await message.answer(await import_feeds(archive, buffer.getvalue(), admin_id))

    @router.message(on_command("export"))
    async def export(message: Message, archive: Archive) -> None:
        sources = await archive.sources.all()
        if not sources:
            await message.answer(_("No feeds to export yet."))
            return
        await message.answer_document(
            BufferedInputFile(build_opml(sources), filename=EXPORT_NAME),
            caption=_("{count} feeds in OPML.", count=len(sources)),
        )

    return router
