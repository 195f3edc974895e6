"""/addfeed: check a feed before saving it, or find the feeds of a site page and offer them.

The check fetches and parses the feed and runs the filter over its current items without
storing anything (pipeline.probe_feed), so the reply can say what the feed is, how many items
it has and how many the filter would keep. A web page instead of a feed is searched for feed
links and common feed paths (feeds.discover); the feeds found become buttons.
"""

from __future__ import annotations

import html
import logging
import re
import time
from urllib.parse import urlsplit

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

from bot.filters import on_command
from bot.handlers.admin.common import Recent, _, admin_router
from bot.search_view import shorten
from bot.services import Services
from feeds.discover import FeedLink, discover_feeds
from feeds.models import FetchResult
from feeds.pipeline import FeedProbe, PipelineContext, probe_feed

log = logging.getLogger(__name__)

MAX_URL_CHARS = 2000
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.\-]*:(?!\d)", re.IGNORECASE)


class AddFound(CallbackData, prefix="adm_af"):
    """A button under a discovery reply: add the n-th feed found on a remembered page."""

    key: str
    n: int


def normalise_url(text: str) -> str | None:
    """The URL an admin meant ("ngo.kz/news" means https://ngo.kz/news), or None."""
    url = text.strip().strip("<>")
    if not url or len(url) > MAX_URL_CHARS or any(c.isspace() for c in url):
        return None
    if "://" not in url:
        if _SCHEME_RE.match(url):
            return None  # "javascript:…", "mailto:…": a scheme, and not a web one
        url = "https://" + url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def pipeline_context(services: Services) -> PipelineContext:
    """The ingest pipeline's context over the bot's shared services."""
    return PipelineContext(
        archive=services.archive,
        fetcher=services.fetcher,
        classifier=services.classifier,
        clock=time.time,
        interval=services.settings.poll_interval_seconds,
    )


def language_name(code: str) -> str:
    names = {"ru": _("Russian"), "kk": _("Kazakh"), "en": _("English")}
    return names.get(code, code or _("unknown"))


def reason_words(error: str) -> str:
    """Why a feed could not be added, in the admin's language, with the technical detail."""
    detail = html.escape(shorten(error, 200), quote=False)
    lowered = error.lower()
    status = re.search(r"\((\d{3})\)$", error)
    if lowered.startswith("not allowed"):
        words = _("this address is not allowed (a local or private network, or not http/https)")
    elif lowered.startswith("timed out"):
        words = _("the site did not answer in time")
    elif lowered.startswith(("unreachable", "broken response", "bad response")):
        words = _("the site cannot be reached")
    elif lowered.startswith("too large"):
        words = _("the file is too large for a feed")
    elif lowered.startswith("not a feed"):
        words = _("this address does not give an RSS or Atom feed")
    elif lowered.startswith("broken feed"):
        words = _("the feed is broken and cannot be read")
    elif status and status.group(1) in ("404", "410"):
        words = _("there is nothing at this address ({status})", status=status.group(1))
    elif status and status.group(1) in ("401", "403", "451"):
        words = _("the site refuses access ({status})", status=status.group(1))
    elif status:
        words = _("the site answered with an error ({status})", status=status.group(1))
    elif "redirect" in lowered:
        words = _("the address redirects in a way that cannot be followed")
    else:
        return detail
    return f"{words} <i>({detail})</i>"


def probe_summary(probe: FeedProbe) -> str:
    """«name, N items, the filter keeps K, language» for a checked feed."""
    return _(
        "{items} items now, the filter keeps {kept} of them; language: {feed_language}.",
        items=probe.item_count,
        kept=probe.kept_count,
        feed_language=language_name(probe.language),
    )


def found_keyboard(key: str, found: list[FeedLink]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text="➕ " + shorten(link.title or link.url.split("://", 1)[-1], 60),
                callback_data=AddFound(key=key, n=n).pack(),
            )
        ]
        for n, link in enumerate(found)
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def add_checked_feed(
    services: Services, url: str, admin_id: int, pages: Recent[list[FeedLink]]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Check `url`, store it when it is a feed; the reply text and any buttons."""
    shown = html.escape(shorten(url, 200), quote=False)
    existing = await services.archive.sources.find_by_url(url)
    if existing is not None:
        return _("This feed is already in the list as #{id}.", id=existing.id), None
    if services.fetcher is None:
        return _("Feeds cannot be fetched in this build of the bot."), None
    probe = await _probe(services, url)
    if probe is None:
        return _("Could not check {url}: the check itself failed; see the log.", url=shown), None
    if probe.is_html_page:
        return await _offer_discovered(services, url, probe.body, pages)
    if probe.error:
        return _(
            "Not added: {url}\nReason: {reason}", url=shown, reason=reason_words(probe.error)
        ), None
    final_url = probe.url or url
    source, created = await services.archive.sources.add(
        final_url,
        title=probe.title or "",
        site_url=probe.site_url or "",
        language=probe.language or "",
        added_by=admin_id,
    )
    title = html.escape(shorten(source.title or final_url, 200), quote=False)
    if not created:
        return _("This feed is already in the list as #{id}.", id=source.id), None
    return _(
        "✅ Added feed #{id}: <b>{title}</b>", id=source.id, title=title
    ) + "\n" + probe_summary(probe), None


async def _probe(services: Services, url: str) -> FeedProbe | None:
    try:
        return await probe_feed(pipeline_context(services), url)
    except Exception:  # a failed check must answer the admin, not end the handler
        log.exception("checking feed %s failed", url)
        return None


async def _offer_discovered(
    services: Services, url: str, body: bytes, pages: Recent[list[FeedLink]]
) -> tuple[str, InlineKeyboardMarkup | None]:
    async def fetch(candidate: str) -> FetchResult:
        result: FetchResult = await services.fetcher.fetch(candidate)
        return result

    found = await discover_feeds(url, body, fetch)
    shown = html.escape(shorten(url, 200), quote=False)
    if not found:
        return _(
            "{url} is a web page, not a feed, and no feed was found on it or at the usual "
            "addresses (/rss, /feed, …). Ask the site for its RSS address.",
            url=shown,
        ), None
    key = pages.put(found)
    lines = [_("{url} is a web page, not a feed. Feeds found on it:", url=shown)]
    lines += [f"• {html.escape(shorten(link.url, 200), quote=False)}" for link in found]
    lines.append(_("Press a button to check and add one."))
    return "\n".join(lines), found_keyboard(key, found)


def create_router() -> Router:
    router = admin_router("admin_addfeed")
    pages: Recent[list[FeedLink]] = Recent()

    @router.message(on_command("addfeed"))
    async def addfeed(message: Message, command: CommandObject, services: Services) -> None:
        url = normalise_url(command.args or "")
        if url is None and (command.args or "").strip():
            # Something was given: name what is wrong with it rather than repeat the syntax.
            await message.answer(
                _(
                    "That is not a web address I can check: only http:// and https:// feeds can "
                    "be added, for example:\n/addfeed https://example.kz/rss"
                )
            )
            return
        if url is None:
            await message.answer(
                _(
                    "Send /addfeed and the address of a feed or of a site page, for example:\n"
                    "/addfeed https://example.kz/rss"
                )
            )
            return
        progress = await message.answer(_("⏳ Checking the feed…"))
        admin_id = message.from_user.id if message.from_user else 0
        text, keyboard = await add_checked_feed(services, url, admin_id, pages)
        await progress.edit_text(text, reply_markup=keyboard)

    @router.callback_query(AddFound.filter())
    async def add_found(
        callback: CallbackQuery, callback_data: AddFound, services: Services
    ) -> None:
        found = pages.get(callback_data.key)
        message = callback.message
        if (
            found is None
            or not 0 <= callback_data.n < len(found)
            or message is None
            or isinstance(message, InaccessibleMessage)
        ):
            await callback.answer(_("This list has expired. Send /addfeed again."), show_alert=True)
            return
        await callback.answer(_("⏳ Checking the feed…"))
        text, _keyboard = await add_checked_feed(
            services, found[callback_data.n].url, callback.from_user.id, pages
        )
        await message.answer(text)

    return router
