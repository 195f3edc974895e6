"""The digest's words in ru, kk and en: labels from the gettext domain "digest", dates by Babel.

Catalogs load on first use and stay cached per language (bot.i18n); the date formats are
cached too, since ten thousand digests share a handful of dates and times.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from feeds.topics import topic_name

log = logging.getLogger(__name__)

DOMAIN = "digest"
OTHER_TOPIC = "other"  # heading for relevant stories that carry no known topic
MAX_ALSO_NAMES = 5  # "also:" names shown before "+N"


def digest_language(language: str | None) -> str:
    """The digest language for a subscriber's setting: ru, kk or en (en when unknown)."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _(language: str, message: str, **values: object) -> str:
    return translate(DOMAIN, language, message, **values)


@lru_cache(maxsize=64)
def zone(name: str | None, fallback: str) -> tzinfo:
    """The time zone called `name`, or `fallback` when the name is unknown or empty."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("unknown time zone %r in a digest; using %s", candidate, fallback)
    return ZoneInfo("UTC")


@lru_cache(maxsize=256)
def header(day: date, language: str) -> str:
    """The digest's first line: "Digest · 28 November 2026" in the digest language."""
    when = format_date(day, format="long", locale=language)
    return _(language, "Digest · {date}", date=when)


@lru_cache(maxsize=4096)
def _time_of_day(hour: int, minute: int, language: str) -> str:
    # The locale's own short time: "14:05" in ru and kk, "2:05 PM" in en, as in settings.
    return format_time(time(hour, minute), "short", locale=language)


@lru_cache(maxsize=4096)
def _day_and_time(day: date, hour: int, minute: int, language: str, with_year: bool) -> str:
    pattern = "d MMM y" if with_year else "d MMM"
    return f"{format_date(day, pattern, locale=language)}, {_time_of_day(hour, minute, language)}"


def story_time(published_at: float, today: date, where: tzinfo, language: str) -> str:
    """When a story was published, in local time: "14:05" today, "27 Nov, 14:05" before,
    "27 Nov 2025, 14:05" in another year."""
    moment = datetime.fromtimestamp(published_at, where)
    if moment.date() == today:
        return _time_of_day(moment.hour, moment.minute, language)
    return _day_and_time(moment.date(), moment.hour, moment.minute, language,
                         moment.year != today.year)


@lru_cache(maxsize=256)
def topic_heading(topic: str, language: str) -> str:
    if topic == OTHER_TOPIC:
        return _(language, "Other news")
    return topic_name(topic, language)


@lru_cache(maxsize=256)
def continued(heading: str, language: str) -> str:
    """A section heading repeated at the top of the next message."""
    return _(language, "{topic} (continued)", topic=heading)


def also_line(sources: list[str], language: str) -> str | None:
    """"also: A, B, C +2" for a story other outlets reported, None when none did."""
    if not sources:
        return None
    names = ", ".join(sources[:MAX_ALSO_NAMES])
    if len(sources) > MAX_ALSO_NAMES:
        names += f" +{len(sources) - MAX_ALSO_NAMES}"
    return _(language, "also: {sources}", sources=names)


@lru_cache(maxsize=256)
def more_line(count: int, language: str) -> str:
    return _(language, "and {count} more: /latest", count=count)


@lru_cache(maxsize=256)
def untitled(language: str) -> str:
    return _(language, "Untitled")
