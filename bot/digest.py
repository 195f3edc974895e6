"""Composing a subscriber's digest: which stories, in which order, rendered as messages.

No Telegram calls here: the composer returns text parts; the outbox and sender deliver them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber


@dataclass(slots=True)
class Digest:
    """A rendered digest: Telegram HTML parts (each at most 4096 characters), in order."""

    parts: list[str]
    story_ids: list[int] = field(default_factory=list)
    total_stories: int = 0


async def compose_digest(
    archive: Archive, subscriber: Subscriber, now: datetime, *, since: float | None = None
) -> Digest | None:
    """The digest `subscriber` should get at `now`, or None when there is no news for them."""
    return None
