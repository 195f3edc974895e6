"""Small data types that flow between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

TOPICS: tuple[str, ...] = (
    "ngo_civil_society",
    "public_councils_dialogue",
    "social_order_grants",
    "charity_volunteering",
    "human_rights",
    "legislation_public_policy",
)
"""Topic ids, fixed by contract, in the order digests present them."""

LANGUAGES: tuple[str, ...] = ("ru", "kk", "en")


class FeedStatus(StrEnum):
    """How one refresh of a feed ended; stored on the source and printed by `poll`."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    WARNING = "warning"  # parsed with problems (bozo) but entries were kept
    ERROR = "error"
    GONE = "gone"  # 410: the feed is disabled
    SKIPPED = "skipped"  # not due, or disabled


@dataclass(slots=True)
class Source:
    """A feed the bot polls, as stored in the archive."""

    id: int
    url: str
    title: str = ""
    site_url: str = ""
    language: str = ""
    enabled: bool = True
    etag: str | None = None
    last_modified: str | None = None
    last_fetch_at: float | None = None
    last_success_at: float | None = None
    last_status: str | None = None
    last_error: str | None = None
    error_count: int = 0
    next_fetch_at: float = 0.0
    added_by: int | None = None
    added_at: float = 0.0


@dataclass(slots=True)
class FetchResult:
    """What the fetcher brought back: a body to parse, a 304, or an error in plain words."""

    url: str  # the final URL after redirects
    status: int | None
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect_to: str | None = None
    retry_after: float | None = None
    error: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


@dataclass(slots=True)
class RawEntry:
    """One feed entry as the parser found it: markup still in, nothing normalised."""

    guid: str
    link: str
    title: str
    content_html: str
    published_at: float | None


@dataclass(slots=True)
class ParsedFeed:
    """The parser's verdict on a body: entries plus feed metadata and any warning."""

    title: str
    site_url: str
    language: str
    entries: list[RawEntry]
    warning: str | None = None
    error: str | None = None


@dataclass(slots=True)
class Verdict:
    """The classifier's decision on one item, with the words that decided it."""

    relevant: bool
    score: float
    topics: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)

    @classmethod
    def not_relevant(cls) -> Verdict:
        return cls(relevant=False, score=0.0)


@dataclass(slots=True)
class Item:
    """A cleaned news item ready to be stored (id is None until the archive gives one)."""

    source_id: int
    guid: str
    url: str
    canonical_url: str
    title: str
    text: str
    language: str
    published_at: float
    fetched_at: float
    content_hash: str
    verdict: Verdict | None = None
    summary: str | None = None
    id: int | None = None
    story_id: int | None = None


@dataclass(slots=True)
class SearchHit:
    """One search result: the item, where it came from, and a highlighted snippet.

    `title_marked` and `snippet_marked` carry the matched words between
    `search.MARK_START` and `search.MARK_END` (control characters), so that each
    renderer can escape the text first and then put its own highlighting in.
    """

    item_id: int
    story_id: int | None
    title: str
    url: str
    source_title: str
    published_at: float
    language: str
    summary: str | None
    title_marked: str
    snippet_marked: str
    rank: float
    topics: list[str] = field(default_factory=list)
