"""Composing a subscriber's digest: which stories, in which order, rendered as messages.

No Telegram calls here: the composer returns text parts; the outbox and sender deliver them,
and the outbox records the deliveries when it enqueues the parts. The pipeline reads top to
bottom: the window of news (`since`) -> candidate stories (one archive read) -> each
subscriber's selection (bot.digest_select) -> a view in their language and time zone ->
Telegram HTML parts (bot.render).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

from bot import digest_text as text
from bot.digest_select import Selection, StoryPool, watch_key
from bot.render import BlockCache, DigestView, SectionView, StoryView, clean_text, render_html
from feeds.archive import Archive
from feeds.archive.digests import StoryCandidate
from feeds.archive.subscribers import Subscriber
from feeds.models import TOPICS

log = logging.getLogger(__name__)

MAX_STORIES = 20
FIRST_DIGEST_HOURS = 24
# A subscriber back after a long pause gets at most a week and a day of news, not months.
MAX_LOOKBACK_SECONDS = 8 * 24 * 3600
DEFAULT_TIMEZONE = "Asia/Almaty"
_TOPIC_ORDER = (*TOPICS, text.OTHER_TOPIC)


@dataclass(slots=True)
class Digest:
    """A rendered digest: Telegram HTML parts (each at most 4096 characters), in order."""

    parts: list[str]
    story_ids: list[int] = field(default_factory=list)  # every story in the parts, in order
    total_stories: int = 0  # stories the subscriber had, including the ones left for /latest
    view: DigestView | None = None  # the same digest as data, for other renderings


def _timestamp(now: datetime) -> float:
    return (now if now.tzinfo is not None else now.replace(tzinfo=UTC)).timestamp()


async def _pool(
    archive: Archive, since: float, subscribers: list[Subscriber]
) -> StoryPool | None:
    """The candidates since `since` with what the subscribers' chats and watch words need;
    None when there is no news at all."""
    candidates = await archive.digests.candidates(since)
    if not candidates:
        return None
    delivered = await archive.digests.delivered(
        [c.story_id for c in candidates], [s.chat_id for s in subscribers]
    )
    keys = {key for s in subscribers for w in s.watch_words if (key := watch_key(w))}
    watch_items = {key: await archive.digests.items_matching(key) for key in sorted(keys)}
    return StoryPool(candidates, delivered, watch_items)


def digest_since(subscriber: Subscriber, now: float, since: float | None = None) -> float:
    """Where a subscriber's digest starts: `since` when given, else their last digest (at
    most MAX_LOOKBACK ago), else FIRST_DIGEST_HOURS ago."""
    if since is not None:
        return since
    if subscriber.last_digest_at is None:
        return now - FIRST_DIGEST_HOURS * 3600
    return max(subscriber.last_digest_at, now - MAX_LOOKBACK_SECONDS)


class _Composer:
    """Turns selections into digests; story texts are shared by every digest that carries
    them in the same language, time zone and day."""

    def __init__(self, now: datetime, default_timezone: str) -> None:
        self.now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        self.default_timezone = default_timezone
        self._views: dict[tuple[int, str, str, date], StoryView] = {}
        self._blocks = BlockCache()

    def _story(self, candidate: StoryCandidate, language: str, where: tzinfo, today: date
               ) -> StoryView:
        key = (candidate.story_id, language, str(where), today)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = StoryView(
                key=candidate.story_id,
                title=clean_text(candidate.title) or text.untitled(language),
                url=candidate.url.strip(),
                source=clean_text(candidate.source),
                when=text.story_time(candidate.published_at, today, where, language),
                summary=clean_text(candidate.summary) or None,
                also=text.also_line([clean_text(s) for s in candidate.other_sources], language),
            )
        return view

    def digest(self, subscriber: Subscriber, selection: Selection) -> Digest | None:
        if selection.total == 0 or not selection.stories:
            return None
        language = text.digest_language(subscriber.language)
        where = text.zone(subscriber.timezone, self.default_timezone)
        today = self.now.astimezone(where).date()
        by_topic: dict[str, list[StoryView]] = {}
        for candidate, topic in selection.stories:
            by_topic.setdefault(topic, []).append(self._story(candidate, language, where, today))
        sections = []
        for topic in _TOPIC_ORDER:
            if topic in by_topic:
                heading = text.topic_heading(topic, language)
                sections.append(
                    SectionView(heading, text.continued(heading, language), by_topic[topic])
                )
        left_out = selection.total - len(selection.stories)
        view = DigestView(
            header=text.header(today, language),
            sections=sections,
            footer=text.more_line(left_out, language) if left_out > 0 else None,
        )
        parts = render_html(view, cache=self._blocks)
        return Digest(
            parts=[part.text for part in parts],
            story_ids=[key for part in parts for key in part.story_keys],
            total_stories=selection.total,
            view=view,
        )


async def compose_digest(
    archive: Archive, subscriber: Subscriber, now: datetime, *, since: float | None = None,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> Digest | None:
    """The digest `subscriber` should get at `now`, or None when there is no news for them.

    News is what their topics and watch words select among relevant stories since `since`
    (default: their last digest, or the last 24 hours for a first one) that their chat has
    not had yet. Nothing is written: the caller records the deliveries of `story_ids`.
    """
    start = digest_since(subscriber, _timestamp(now), since)
    pool = await _pool(archive, start, [subscriber])
    if pool is None:
        return None
    selection = pool.select(
        subscriber.chat_id, subscriber.topics, subscriber.watch_words, start, MAX_STORIES
    )
    return _Composer(now, default_timezone).digest(subscriber, selection)


class DigestBatch:
    """The digests of a known set of subscribers at one moment, composed in any number of
    chunks from one read of the archive (see `prepare_digests`)."""

    def __init__(
        self, pool: StoryPool | None, starts: dict[int, float], now: datetime,
        default_timezone: str,
    ) -> None:
        self._pool = pool
        self._starts = starts
        self._composer = _Composer(now, default_timezone)

    def compose(self, subscribers: Iterable[Subscriber]) -> dict[int, Digest]:
        """chat_id -> digest for those of `subscribers` (prepared with the batch) who have
        news. A subscriber whose digest cannot be composed is logged and left out; the
        others still get theirs."""
        digests: dict[int, Digest] = {}
        if self._pool is None:
            return digests
        for subscriber in subscribers:
            start = self._starts.get(subscriber.chat_id)
            if start is None:
                log.warning("chat %s was not prepared in this digest batch", subscriber.chat_id)
                continue
            try:
                selection = self._pool.select(
                    subscriber.chat_id, subscriber.topics, subscriber.watch_words, start,
                    MAX_STORIES,
                )
                digest = self._composer.digest(subscriber, selection)
            except Exception:
                log.exception("cannot compose the digest of chat %s; skipped", subscriber.chat_id)
                continue
            if digest is not None:
                digests[subscriber.chat_id] = digest
        return digests


async def prepare_digests(
    archive: Archive, subscribers: Iterable[Subscriber], now: datetime, *,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> DigestBatch:
    """Read once what the digests of `subscribers` at `now` need; then `compose` them in
    chunks of any size (e.g. one transaction of the outbox per chunk) at no further read."""
    subscribers = list(subscribers)
    now_ts = _timestamp(now)
    starts = {s.chat_id: digest_since(s, now_ts) for s in subscribers}
    pool = await _pool(archive, min(starts.values()), subscribers) if starts else None
    return DigestBatch(pool, starts, now, default_timezone)


async def compose_digests(
    archive: Archive, subscribers: Iterable[Subscriber], now: datetime, *,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> dict[int, Digest]:
    """The digests of many subscribers at `now` (chat_id -> digest; chats without news are
    left out), from one read of the archive. A subscriber whose digest cannot be composed
    is logged and left out; the others still get theirs."""
    subscribers = list(subscribers)
    batch = await prepare_digests(archive, subscribers, now, default_timezone=default_timezone)
    return batch.compose(subscribers)
