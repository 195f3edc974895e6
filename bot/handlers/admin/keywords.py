"""/keywords: the admins' include and exclude terms per topic, and re-scoring after a change.

`/keywords` lists the terms with a button per topic; a topic's view has a ✕ button per term.
Terms are added and removed with `/keywords add|exclude|remove <topic> <term>`, the topic
given by its number (1–6) or id. After every change the filter is rebuilt and the whole
archive re-scored, and the reply says how many items the filter keeps now.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import time

from aiogram import F, Router
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
from bot.handlers.admin.common import _, admin_router
from bot.i18n import current_language
from bot.search_view import shorten
from bot.services import Services
from feeds.classify import Classifier, FilterTerm
from feeds.models import TOPICS, Item, Verdict
from feeds.topics import topic_name

log = logging.getLogger(__name__)

MAX_TERM_CHARS = 60
ACTIONS = {"add": "include", "include": "include", "exclude": "exclude", "remove": None}


class TopicTerms(CallbackData, prefix="adm_kt"):
    topic: int


class DropTerm(CallbackData, prefix="adm_kd"):
    """Remove a term, named by a short hash: the term itself may not fit in 64 bytes."""

    topic: int
    digest: str


def term_digest(term: FilterTerm) -> str:
    key = f"{term.topic}\x00{term.kind}\x00{term.term}".encode()
    return hashlib.blake2s(key, digest_size=5).hexdigest()


def parse_topic(text: str) -> str | None:
    """A topic id from its number (1–6) or id."""
    text = text.strip().lower()
    if text.isdigit() and 1 <= int(text) <= len(TOPICS):
        return TOPICS[int(text) - 1]
    return text if text in TOPICS else None


def parse_change(args: str) -> tuple[str, str, str] | None:
    """(action, topic, term) from «add 2 грант»; None when it does not read like that."""
    parts = args.split(maxsplit=2)
    if len(parts) != 3 or parts[0].lower() not in ACTIONS:
        return None
    topic = parse_topic(parts[1])
    term = " ".join(parts[2].split()).lower()
    if topic is None or not term or len(term) > MAX_TERM_CHARS:
        return None
    return parts[0].lower(), topic, term


def usage() -> str:
    topics = "\n".join(
        f"{n}. {topic_name(t, current_language())}" for n, t in enumerate(TOPICS, start=1)
    )
    return _(
        "Add or remove filter terms:\n"
        "/keywords add TOPIC TERM: items with the term count for the topic\n"
        "/keywords exclude TOPIC TERM: items with the term are left out of the topic\n"
        "/keywords remove TOPIC TERM\n"
        "TOPIC is a number:\n{topics}",
        topics=html.escape(topics, quote=False),
    )


def _change_refusal(args: str) -> str:
    """Why `/keywords args` is not a change: a term over the limit is named, else the usage."""
    parts = args.split(maxsplit=2)
    if (
        len(parts) == 3
        and parts[0].lower() in ACTIONS
        and parse_topic(parts[1]) is not None
        and len(" ".join(parts[2].split())) > MAX_TERM_CHARS
    ):
        return _("A filter term can be up to {limit} characters long.", limit=MAX_TERM_CHARS)
    return usage()


def terms_overview(terms: list[FilterTerm]) -> tuple[str, InlineKeyboardMarkup]:
    language = current_language()
    lines = [_("🔑 <b>Filter terms added by admins</b>")]
    for n, topic in enumerate(TOPICS, start=1):
        own = [t for t in terms if t.topic == topic]
        include = ", ".join(t.term for t in own if t.kind == "include") or "—"
        exclude = ", ".join(t.term for t in own if t.kind == "exclude") or "—"
        lines.append(f"\n<b>{n}. {html.escape(topic_name(topic, language))}</b>")
        lines.append("＋ " + html.escape(shorten(include, 600), quote=False))
        lines.append("－ " + html.escape(shorten(exclude, 600), quote=False))
    lines.append("\n" + usage())
    buttons = [
        InlineKeyboardButton(text=str(n), callback_data=TopicTerms(topic=n).pack())
        for n in range(1, len(TOPICS) + 1)
    ]
    return "\n".join(lines)[:4000], InlineKeyboardMarkup(inline_keyboard=[buttons])


def topic_view(terms: list[FilterTerm], number: int) -> tuple[str, InlineKeyboardMarkup]:
    topic = TOPICS[number - 1]
    own = [t for t in terms if t.topic == topic][:40]
    name = html.escape(topic_name(topic, current_language()))
    text = (
        _("<b>{topic}</b>: press a term to remove it.", topic=name)
        if own
        else _("<b>{topic}</b>: no terms added yet.", topic=name)
    )
    rows = [
        [
            InlineKeyboardButton(
                text=("✕ ＋ " if t.kind == "include" else "✕ － ") + shorten(t.term, 40),
                callback_data=DropTerm(topic=number, digest=term_digest(t)).pack(),
            )
        ]
        for t in own
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _score(classifier: Classifier, batch: list[Item]) -> list[Verdict]:
    return classifier.classify_many([(item.title, item.text, item.language) for item in batch])


async def rescore(services: Services) -> tuple[int, int, int]:
    """Rebuild the filter from the stored terms and re-score every item in this process's
    archive connection: (items scored, verdicts changed, items kept)."""
    classifier = await services.reload_classifier()
    total = changed = kept = 0
    for batch in await services.archive.items.iter_batches():
        verdicts = await asyncio.to_thread(_score, classifier, batch)
        await services.archive.items.save_verdicts(
            [(item.id, v) for item, v in zip(batch, verdicts, strict=True) if item.id is not None],
            time.time(),
        )
        for item, verdict in zip(batch, verdicts, strict=True):
            changed += item.verdict is None or item.verdict.relevant != verdict.relevant
            kept += verdict.relevant
        total += len(batch)
    return total, changed, kept


async def apply_change(
    services: Services, change: tuple[str, str, str], admin_id: int, rescoring: asyncio.Lock
) -> str:
    """Store one term change and re-score; the reply for the admin."""
    action, topic, term = change
    terms = services.archive.terms
    if action == "remove":
        removed = [
            await terms.remove(FilterTerm(topic, kind, term)) for kind in ("include", "exclude")
        ]
        if not any(removed):
            return _("There is no term «{term}» in this topic.", term=html.escape(term))
    else:
        added = await terms.add(FilterTerm(topic, ACTIONS[action] or "include", term), admin_id)
        if not added:
            return _("The term «{term}» is already there.", term=html.escape(term))
    log.info("admin %s changed filter terms: %s %s %r", admin_id, action, topic, term)
    return await rescored_reply(services, rescoring)


async def rescored_reply(services: Services, rescoring: asyncio.Lock) -> str:
    """Re-score the archive and say what the filter keeps now.

    One re-scoring at a time (`rescoring`): two running together could let the one that
    loaded the older terms write its verdicts last. Changes sent in a row wait their turn.
    """
    async with rescoring:
        total, changed, kept = await rescore(services)
    return _(
        "✅ Filter updated. Re-scored {total} items: {changed} changed, the filter keeps {kept}.",
        total=total,
        changed=changed,
        kept=kept,
    )


def create_router() -> Router:
    router = admin_router("admin_keywords")
    rescoring = asyncio.Lock()

    @router.message(on_command("keywords", magic=F.args))
    async def change_keywords(message: Message, command: CommandObject, services: Services) -> None:
        change = parse_change(command.args or "")
        if change is None:
            await message.answer(_change_refusal(command.args or ""))
            return
        admin_id = message.from_user.id if message.from_user else 0
        progress = await message.answer(_("⏳ Updating the filter and re-scoring the archive…"))
        await progress.edit_text(await apply_change(services, change, admin_id, rescoring))

    @router.message(on_command("keywords"))
    async def list_keywords(message: Message, services: Services) -> None:
        text, keyboard = terms_overview(await services.archive.terms.all())
        await message.answer(text, reply_markup=keyboard)

    @router.callback_query(TopicTerms.filter())
    async def show_topic(
        callback: CallbackQuery, callback_data: TopicTerms, services: Services
    ) -> None:
        message = callback.message
        if (
            not 1 <= callback_data.topic <= len(TOPICS)
            or message is None
            or isinstance(message, InaccessibleMessage)
        ):
            await callback.answer()
            return
        text, keyboard = topic_view(await services.archive.terms.all(), callback_data.topic)
        await message.answer(text, reply_markup=keyboard)
        await callback.answer()

    @router.callback_query(DropTerm.filter())
    async def drop_term(
        callback: CallbackQuery, callback_data: DropTerm, services: Services
    ) -> None:
        terms = await services.archive.terms.all()
        term = next((t for t in terms if term_digest(t) == callback_data.digest), None)
        message = callback.message
        if term is None or message is None or isinstance(message, InaccessibleMessage):
            await callback.answer(_("This term is no longer there."), show_alert=True)
            return
        await services.archive.terms.remove(term)
        log.info("admin %s removed filter term %r", callback.from_user.id, term)
        await callback.answer(_("⏳ Updating the filter and re-scoring the archive…"))
        reply = await rescored_reply(services, rescoring)
        text, keyboard = topic_view(await services.archive.terms.all(), callback_data.topic)
        await message.edit_text(text, reply_markup=keyboard)
        await message.answer(reply)

    return router
