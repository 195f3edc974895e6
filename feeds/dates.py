"""Dates the way Russian and Kazakh sites write them, for feedparser.

feedparser reads RFC 822 and ISO 8601 dates, but returns nothing for `01.09.2025 10:30`,
`1 сентября 2025` or `Пн, 01 сен 2025 10:30:00 +0500` (tech-notes §6). `parse_local_date`
reads those; `register_date_handlers()` hands it to feedparser once per process. A date
without a zone is taken as Kazakhstan time (UTC+5, the single zone since 2024).
"""

from __future__ import annotations

import calendar
import re
import threading
import time

import feedparser

DEFAULT_OFFSET_MINUTES = 5 * 60
"""A date with no zone is read as Kazakhstan time."""

_ZONE_NAMES = {"UTC": 0, "GMT": 0, "Z": 0, "ALMT": 300, "AQTT": 300, "QYZT": 300, "MSK": 180}

# Month names by their first letters: Russian (full, genitive, short) and Kazakh.
_MONTH_PREFIXES: tuple[tuple[str, int], ...] = (
    ("янв", 1), ("фев", 2), ("мар", 3), ("апр", 4), ("мая", 5), ("май", 5), ("июн", 6),
    ("июл", 7), ("авг", 8), ("сен", 9), ("окт", 10), ("ноя", 11), ("дек", 12),
    ("қаң", 1), ("ақп", 2), ("нау", 3), ("сәу", 4), ("мам", 5), ("мау", 6), ("шіл", 7),
    ("там", 8), ("қыр", 9), ("қаз", 10), ("қар", 11), ("жел", 12),
)

_TIME = r"(?:[T\s,]+(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
_ZONE = r"(?:\s*(?P<zone>[+-]\d{2}:?\d{2}|[A-Za-z]{1,4}))?"
_NUMERIC = re.compile(
    r"^\s*(?:\w+,?\s+)?(?P<day>\d{1,2})[./](?P<month>\d{1,2})[./](?P<year>\d{4})"
    + _TIME + _ZONE + r"\s*$"
)
_WORDS = re.compile(
    r"^\s*(?:[^\W\d]+,?\s+)?(?P<day>\d{1,2})\s+(?P<month>[^\W\d]+)\.?\s+(?P<year>\d{4})"
    r"(?:\s*(?:г\.?|ж\.?|года|жыл[ыі]?))?"
    + _TIME + _ZONE + r"\s*$",
    re.IGNORECASE,
)

_registered = False
_register_lock = threading.Lock()


def _month_number(word: str) -> int | None:
    word = word.casefold()
    for prefix, number in _MONTH_PREFIXES:
        if word.startswith(prefix):
            return number
    return None


def _offset_minutes(zone: str | None) -> int | None:
    if not zone:
        return DEFAULT_OFFSET_MINUTES
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        return minutes if zone[0] == "+" else -minutes
    return _ZONE_NAMES.get(zone.upper())


def parse_local_date(text: str) -> time.struct_time | None:
    """A UTC time for a Russian/Kazakh-style date, or None when `text` is not one."""
    match = _NUMERIC.match(text)
    month: int | None
    if match:
        month = int(match["month"])
    else:
        match = _WORDS.match(text)
        if not match:
            return None
        month = _month_number(match["month"])
    if month is None or not 1 <= month <= 12:
        return None
    offset = _offset_minutes(match["zone"])
    if offset is None:
        return None
    try:
        local = (
            int(match["year"]), month, int(match["day"]),
            int(match["hour"] or 0), int(match["minute"] or 0), int(match["second"] or 0),
        )
        stamp = calendar.timegm((*local, 0, 0, 0))
        # timegm accepts 31 February; a round trip tells a real date from an overflow.
        if time.gmtime(stamp)[:6] != local:
            return None
    except (ValueError, OverflowError):
        return None
    return time.gmtime(stamp - offset * 60)


def register_date_handlers() -> None:
    """Teach feedparser the local formats; safe to call many times, from any thread."""
    global _registered
    with _register_lock:
        if not _registered:
            feedparser.registerDateHandler(parse_local_date)
            _registered = True
