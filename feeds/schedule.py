"""When a feed is fetched next, and what its state says after a refresh.

Pure functions of the feed, the fetch result and the time; the pipeline stores what they
return in the refresh's transaction:

- success: next fetch after `interval`, the error count back to zero;
- 304: the same (the pipeline parses nothing);
- an error: exponential backoff from `interval`, capped at a day; Retry-After on 429/503
  is honoured; 410 disables the feed.
"""

from __future__ import annotations

import dataclasses

from feeds.models import FeedStatus, FetchResult, Source

MAX_BACKOFF = 86_400.0
"""A failing feed is retried at least once a day."""
MAX_DOUBLINGS = 20
"""The backoff stops doubling here (long past the cap), so the power stays small."""


def succeeded(
    source: Source, fetched: FetchResult, now: float, interval: float,
    status: FeedStatus, warning: str | None,
) -> Source:
    """The feed's state after a good fetch (or a 304): validators kept, errors cleared,
    the next fetch `interval` seconds from `now`; `warning` is kept as its last error text."""
    return dataclasses.replace(
        source,
        etag=fetched.etag or source.etag,
        last_modified=fetched.last_modified or source.last_modified,
        last_fetch_at=now,
        last_success_at=now,
        last_status=str(status),
        last_error=warning,
        error_count=0,
        next_fetch_at=now + interval,
    )


def failed(
    source: Source, fetched: FetchResult, now: float, interval: float, error: str
) -> tuple[Source, FeedStatus]:
    """The feed's state after a failed refresh, and its status: one more error, the next
    fetch after a doubling backoff (or the server's Retry-After), disabled on 410."""
    errors = source.error_count + 1
    status = FeedStatus.ERROR
    enabled = source.enabled
    if fetched.status == 410:
        status, enabled = FeedStatus.GONE, False
    delay = min(interval * 2 ** min(errors - 1, MAX_DOUBLINGS), MAX_BACKOFF)
    if fetched.retry_after is not None:
        delay = min(max(fetched.retry_after, 1.0), MAX_BACKOFF)
    state = dataclasses.replace(
        source,
        enabled=enabled,
        last_fetch_at=now,
        last_status=str(status),
        last_error=error,
        error_count=errors,
        next_fetch_at=now + delay,
    )
    return state, status
