"""Rendering a digest: Telegram HTML messages split at story boundaries, or plain text.

Telegram takes at most 4096 characters of visible text per message and rejects a message
whose markup does not parse, which would block the whole digest. So every text is escaped
after it is cut (an entity is never split), only `<b>`, `<i>` and `<a href>` are produced,
links are only made from plain http(s) URLs, and a part is closed before either its visible
text or its raw HTML would pass the limit. A story too long for a message of its own is
shortened (summary first, then title, at a word, with "…"), never dropped.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

TELEGRAM_LIMIT = 4096
MAX_URL_CHARS = 2048
MAX_LABEL_CHARS = 256  # header and headings: ours, but never allowed to crowd stories out
SEPARATOR = "\n\n"
ELLIPSIS = "…"

_SAFE_URL_RE = re.compile(r"https?://[^\s/?#<>\"'`\\]+[^\s<>\"`\\]*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class StoryView:
    """One story as the reader sees it; every field is plain text (escaping is ours)."""

    key: int  # the story id, reported back with the part that carries it
    title: str
    url: str
    source: str
    when: str  # already localised: "14:05" or "27 Nov, 14:05"
    summary: str | None = None
    also: str | None = None  # already localised: "also: A, B"


@dataclass(slots=True)
class SectionView:
    heading: str
    continued: str  # the heading repeated on top of the next message
    stories: list[StoryView] = field(default_factory=list)


@dataclass(slots=True)
class DigestView:
    header: str
    sections: list[SectionView]
    footer: str | None = None  # "and 5 more: /latest"

    def stories(self) -> list[StoryView]:
        return [story for section in self.sections for story in section.stories]


@dataclass(slots=True)
class HtmlPart:
    """One message: its Telegram HTML and the stories it carries, in order."""

    text: str
    story_keys: list[int]


@dataclass(frozen=True, slots=True)
class _Block:
    html: str
    units: int  # the length of the visible text, as Telegram counts it


def _block(html_text: str, plain: str) -> _Block:
    return _Block(html_text, _units(plain))


def _units(text: str) -> int:
    # Telegram counts UTF-16 code units; that is len() except for characters beyond the
    # BMP (most emoji), which count twice. Counting so keeps us on the safe side either way.
    return len(text.encode("utf-16-le")) // 2


def clean_text(text: str | None) -> str:
    """One line of printable text: control and format characters dropped (they could hide
    text or corrupt the message), whitespace runs made single spaces."""
    if not text:
        return ""
    if text.isprintable():  # the common case, checked in C
        return " ".join(text.split())
    kept = "".join(
        ch if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"} else " "
        for ch in text
    )
    return " ".join(kept.split())


def safe_url(url: str | None) -> str | None:
    """The URL if a link may be made of it (http or https, no spaces or quotes, not huge)."""
    if not url:
        return None
    url = url.strip()
    if len(url) > MAX_URL_CHARS or not _SAFE_URL_RE.fullmatch(url):
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in url):
        return None
    return url


def shorten(text: str, keep: int) -> str:
    """At most `keep` characters of `text` plus "…", cut after a whole word when one ends in
    the last part of the piece; "" when keep is 0; `text` itself when it is short enough."""
    if keep >= len(text):
        return text
    if keep <= 0:
        return ""
    piece = text[:keep]
    space = piece.rfind(" ")
    if space >= keep * 0.6 and not text[keep].isspace():
        piece = piece[:space]
    return piece.rstrip(" ,;:-–—") + ELLIPSIS


def _story_block(story: StoryView, linked: bool = True) -> _Block:
    title = story.title
    url = safe_url(story.url) if linked else None
    title_html = html.escape(title, quote=False)
    if url is not None:
        title_html = f'<a href="{html.escape(url, quote=True)}">{title_html}</a>'
    meta = " · ".join(p for p in (story.source, story.when) if p)
    html_lines = [f"<b>{title_html}</b>"]
    plain_lines = [title]
    if meta:
        html_lines.append(f"<i>{html.escape(meta, quote=False)}</i>")
        plain_lines.append(meta)
    if story.summary:
        html_lines.append(html.escape(story.summary, quote=False))
        plain_lines.append(story.summary)
    if story.also:
        html_lines.append(f"<i>{html.escape(story.also, quote=False)}</i>")
        plain_lines.append(story.also)
    return _block("\n".join(html_lines), "\n".join(plain_lines))


def _cleaned(story: StoryView) -> StoryView:
    return replace(
        story,
        title=clean_text(story.title) or ELLIPSIS,
        source=clean_text(story.source),
        when=clean_text(story.when),
        summary=clean_text(story.summary) or None,
        also=clean_text(story.also) or None,
    )


@lru_cache(maxsize=256)  # composing runs keep their own BlockCache; this serves one-off renders
def story_block(story: StoryView) -> _Block:
    """The story's HTML and visible text (cached: many digests carry the same story)."""
    return _story_block(_cleaned(story))


@lru_cache(maxsize=1024)
def _label_block(text: str, tag: str) -> _Block:
    text = shorten(clean_text(text), MAX_LABEL_CHARS)
    return _block(f"<{tag}>{html.escape(text, quote=False)}</{tag}>", text)


def _longest_fitting(text: str, make: Callable[[str], StoryView], fits: Callable[[_Block], bool]
                     ) -> StoryView | None:
    """The story with the longest cut of `text` that fits, or None when not even "" fits."""
    if not fits(_story_block(make(""))):
        return None
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(_story_block(make(shorten(text, middle)))):
            low = middle
        else:
            high = middle - 1
    return make(shorten(text, low))


def fit_story(story: StoryView, room_chars: int, room_units: int) -> _Block:
    """The story's block, shortened until both its raw HTML and its visible text fit:
    summary first, then the title, then the "also" line and the source, finally the link."""

    def fits(block: _Block) -> bool:
        return len(block.html) <= room_chars and block.units <= room_units

    story = _cleaned(story)
    block = _story_block(story)
    if fits(block):
        return block
    current = story
    shorter = _longest_fitting(
        current.summary or "", lambda s: replace(current, summary=s or None), fits
    )
    if shorter is not None:
        return _story_block(shorter)
    current = replace(current, summary=None)
    shorter = _longest_fitting(current.title, lambda s: replace(current, title=s or ELLIPSIS), fits)
    if shorter is not None:
        return _story_block(shorter)
    current = replace(current, title=ELLIPSIS, also=None)
    shorter = _longest_fitting(current.source, lambda s: replace(current, source=s), fits)
    if shorter is not None:
        return _story_block(shorter)
    # Only a very long URL can be left: the title stays, unlinked.
    return _story_block(replace(current, source="", when=current.when[:32]), linked=False)


class _Packer:
    """Fills messages block by block; a message is closed before it would pass the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[HtmlPart] = []
        self._blocks: list[_Block] = []
        self._keys: list[int] = []
        self._chars = self._units = 0  # of the blocks so far, separators included

    def _size(self, extra: list[_Block]) -> tuple[int, int]:
        chars, units = self._chars, self._units
        for block in extra:
            gap = len(SEPARATOR) if chars else 0
            chars += len(block.html) + gap
            units += block.units + gap
        return chars, units

    def room(self, before: list[_Block]) -> tuple[int, int]:
        """Characters and units left for one more block after `before` and a separator."""
        chars, units = self._size(before)
        gap = len(SEPARATOR) if chars else 0
        return self.limit - chars - gap, self.limit - units - gap

    @property
    def has_stories(self) -> bool:
        return bool(self._keys)

    def try_add(self, blocks: list[_Block], key: int | None = None) -> bool:
        """Add `blocks` if the message stays within the limit; whether they were added."""
        chars, units = self._size(blocks)
        if chars > self.limit or units > self.limit:
            return False
        self._chars, self._units = chars, units
        self._blocks.extend(blocks)
        if key is not None:
            self._keys.append(key)
        return True

    def add(self, blocks: list[_Block], key: int | None = None) -> None:
        """Add `blocks` that are known to fit."""
        self._chars, self._units = self._size(blocks)
        self._blocks.extend(blocks)
        if key is not None:
            self._keys.append(key)

    def close(self) -> None:
        if self._blocks:
            text = SEPARATOR.join(b.html for b in self._blocks)
            self.parts.append(HtmlPart(text, self._keys))
        self._blocks, self._keys = [], []
        self._chars = self._units = 0


class BlockCache:
    """Rendered stories of one composing run, by object: ten thousand digests share a few
    thousand story views, and looking one up by identity costs no hashing of its text."""

    def __init__(self) -> None:
        self._blocks: dict[int, tuple[StoryView, _Block]] = {}

    def block(self, story: StoryView) -> _Block:
        found = self._blocks.get(id(story))
        if found is None or found[0] is not story:
            found = self._blocks[id(story)] = (story, _story_block(_cleaned(story)))
        return found[1]


def render_html(
    view: DigestView, limit: int = TELEGRAM_LIMIT, cache: BlockCache | None = None
) -> list[HtmlPart]:
    """The digest as Telegram HTML messages, each within `limit` (visible text and raw HTML),
    split only between stories; every story of `view` is in exactly one part, in order."""
    rendered = cache.block if cache is not None else story_block
    packer = _Packer(limit)
    packer.add([_label_block(view.header, "b")])
    for section in view.sections:
        lead = [_label_block(section.heading, "b")]
        for story in section.stories:
            block = rendered(story)
            if not packer.try_add([*lead, block], story.key):
                if packer.has_stories:
                    packer.close()
                    if not lead:
                        lead = [_label_block(section.continued, "b")]
                if not packer.try_add([*lead, block], story.key):
                    packer.add([*lead, fit_story(story, *packer.room(lead))], story.key)
            lead = []
    if view.footer:
        footer = _label_block(view.footer, "i")
        if not packer.try_add([footer]):
            packer.close()
            packer.add([footer])
    packer.close()
    return packer.parts


def render_plain(view: DigestView) -> str:
    """The digest for a terminal: no markup, links written out after the source."""
    lines = [clean_text(view.header)]
    for section in view.sections:
        lines += ["", f"== {clean_text(section.heading)} =="]
        for story in map(_cleaned, section.stories):
            url = clean_text(story.url)
            lines += ["", story.title]
            meta = " · ".join(p for p in (story.source, story.when, url) if p)
            lines += [f"   {line}" for line in (meta, story.summary, story.also) if line]
    if view.footer:
        lines += ["", clean_text(view.footer)]
    return "\n".join(lines) + "\n"
