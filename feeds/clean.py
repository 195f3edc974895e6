"""Cleaning parsed entries into items: plain text, canonical URLs, language, dedup keys.

Everything here is pure and synchronous; the pipeline runs it in a worker thread.
"""

from __future__ import annotations

import hashlib
import html
import re
from itertools import islice
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from feeds.models import Item, ParsedFeed, RawEntry, Source
from feeds.textnorm import KAZAKH_LETTERS

MAX_TITLE_CHARS = 500
MAX_TEXT_CHARS = 50_000
UNTITLED_CHARS = 120
"""An entry without a title is named by the first words of its text, up to this long."""
FUTURE_TOLERANCE = 15 * 60.0
"""A date further ahead than this is a feed's mistake: the item gets its fetch time."""
EARLIEST_PLAUSIBLE = 788_918_400.0  # 1995-01-01: earlier dates are placeholders (0 = 1970)

_DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg", "math",
                 "head", "select", "button", "textarea")
_BLOCK_TAGS = (
    "p", "div", "br", "hr", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "section",
    "article", "header", "footer", "aside", "blockquote", "pre", "figure", "figcaption",
    "h1", "h2", "h3", "h4", "h5", "h6", "main", "nav", "form", "address", "center",
)
# A tag with its attributes; a quoted attribute value may hold ">".
_ATTRIBUTES = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
# A dropped element goes with all its content; an unclosed one takes the rest with it.
_DROPPED_BLOCK = re.compile(
    rf"<({'|'.join(_DROPPED_TAGS)})\b{_ATTRIBUTES}>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL
)
_BLOCK_TAG = re.compile(rf"</?(?:{'|'.join(_BLOCK_TAGS)})\b{_ATTRIBUTES}/?>", re.IGNORECASE)
_ANY_TAG = re.compile(rf"</?[a-zA-Z][\w:-]*{_ATTRIBUTES}>|<![^>]*>|<\?[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_MARKUP_HINT = re.compile(r"[<&]")
_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "yclid", "ysclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid",
    "_openstat", "_ga", "_gl", "twclid", "ttclid", "srsltid",
})
# Matched against lower-cased text: a case-insensitive class is several times slower.
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһіїєґў]")
_LATIN = re.compile(r"[a-z]")
# "і" is Kazakh but also Ukrainian and Belarusian, so only the others count as Kazakh, and
# the letters Kazakh never uses (ї є ґ ў) rule it out.
_KAZAKH_LETTER = re.compile("[" + "".join(sorted(ch for ch in KAZAKH_LETTERS
                                                 if ch.islower() and ch != "і")) + "]")
_NOT_KAZAKH_LETTER = re.compile(r"[їєґў]")
_WORD = re.compile(r"\w+")
_RUSSIAN_FUNCTION_WORDS = frozenset(
    "и в во на с со не что по для из от за к ко о об как это но при его их был была".split()
)
LANGUAGE_SAMPLE_CHARS = 600  # enough letters to tell three languages apart


def _normalise_spaces(text: str) -> str:
    """One line per non-blank line of `text`, its runs of whitespace made one space."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    # str.split() knows the same whitespace as the regex \s, and is several times faster.
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.split("\n"))))


def html_to_text(html_text: str) -> str:
    """Plain text of an HTML fragment: scripts and styles dropped, one paragraph per line,
    entities unescaped, runs of spaces collapsed. Never raises on broken markup.

    Regular expressions rather than an HTML parser: a feed fragment is small and simple,
    and this runs for every item of every poll (it is several times faster)."""
    if not html_text:
        return ""
    if not _MARKUP_HINT.search(html_text):
        return _normalise_spaces(html_text)
    text = _COMMENT.sub(" ", html_text)
    text = _DROPPED_BLOCK.sub(" ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _ANY_TAG.sub("", text)
    return _normalise_spaces(html.unescape(text))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def canonical_url(url: str) -> str:
    """The URL as a dedup key: scheme and host lower-cased, default port, fragment and
    tracking parameters (utm_*, fbclid, yclid, ...) removed. "" for anything not http(s)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("http", "https") or not host:
        return ""
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in _TRACKING_PARAMS
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


def is_home_page(url: str) -> bool:
    """True for a site's front page, which some feeds give as every entry's link."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def detect_language(text: str, hint: str = "") -> str:
    """"kk", "ru" or "en" for a text. Words with Kazakh-only letters are a strong signal; the
    feed's declared language (`hint`, e.g. "ru-RU" or "kk") decides a Cyrillic text without
    enough of them, and any text too short to tell."""
    hinted = _hint_language(hint)
    sample = text[:LANGUAGE_SAMPLE_CHARS].lower()
    latin = len(_LATIN.findall(sample))
    if latin == 0 and not _CYRILLIC.search(sample):
        return hinted or "ru"
    # Fewer Cyrillic letters than Latin ones: counted only up to the Latin count, since a
    # Cyrillic text has hundreds and counting them all cost more than the rest of cleaning.
    if sum(1 for _ in islice(_CYRILLIC.finditer(sample), latin)) < latin:
        return "en"
    if _reads_as_kazakh(sample):
        return "kk"
    return "kk" if hinted == "kk" else "ru"


def _reads_as_kazakh(sample: str) -> bool:
    # In Kazakh prose a third to a half of the words have a Kazakh-only letter; a Russian
    # text naming Қасым-Жомарт Тоқаев has a few such words among Russian function words.
    if _NOT_KAZAKH_LETTER.search(sample) or not _KAZAKH_LETTER.search(sample):
        return False  # (without a Kazakh-only letter no word below can count as Kazakh)
    words = [word for word in _WORD.findall(sample) if _CYRILLIC.search(word)]
    if not words:
        return False
    kazakh = sum(1 for word in words if _KAZAKH_LETTER.search(word))
    if kazakh * 10 >= len(words) * 3:
        return True
    russian = sum(1 for word in words if word in _RUSSIAN_FUNCTION_WORDS)
    return kazakh * 10 >= len(words) and russian == 0


def _hint_language(hint: str) -> str:
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    if code in ("kk", "kz", "kaz"):
        return "kk"
    if code in ("ru", "rus"):
        return "ru"
    if code in ("en", "eng"):
        return "en"
    return ""


def _item(entry: RawEntry, source: Source, hint: str, now: float) -> Item | None:
    title = _one_line(html_to_text(entry.title))[:MAX_TITLE_CHARS]
    text = html_to_text(entry.content_html)[:MAX_TEXT_CHARS]
    if not title and not text:
        return None
    if not title:
        title = _first_words(text, UNTITLED_CHARS)
    link = urljoin(source.url, entry.link) if entry.link else ""
    canonical = canonical_url(link)
    url = link if canonical else ""
    if is_home_page(canonical):
        canonical = ""  # a feed that links every entry to its front page: no dedup key
    published = entry.published_at
    if published is None or not EARLIEST_PLAUSIBLE <= published <= now + FUTURE_TOLERANCE:
        published = now
    return Item(
        source_id=source.id,
        guid=entry.guid,
        url=url,
        canonical_url=canonical,
        title=title,
        text=text,
        language=detect_language(f"{title}\n{text}", hint),
        published_at=published,
        fetched_at=now,
        content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
    )


def _first_words(text: str, limit: int) -> str:
    line = _one_line(text)
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def clean_entries(parsed: ParsedFeed, source: Source, now: float) -> list[Item]:
    """The feed's entries as items, in feed order: plain text, canonical URLs, language,
    sane dates (missing or future ones become `now`). Entries with neither title nor
    text are dropped, and so is a repeat of a guid or URL already seen in this feed."""
    hint = source.language or parsed.language
    items: list[Item] = []
    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    for entry in parsed.entries:
        item = _item(entry, source, hint, now)
        if item is None or item.guid in seen_guids:
            continue
        if item.canonical_url and item.canonical_url in seen_urls:
            continue
        seen_guids.add(item.guid)
        if item.canonical_url:
            seen_urls.add(item.canonical_url)
        items.append(item)
    return items
