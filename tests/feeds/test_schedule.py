"""The feed schedule: success resets, errors back off (doubling, capped), Retry-After, 410."""

from __future__ import annotations

import pytest

from feeds.models import FeedStatus, FetchResult, Source
from feeds.schedule import MAX_BACKOFF, failed, succeeded

NOW = 1_000_000.0
INTERVAL = 900.0


def _source(errors: int = 0) -> Source:
    return Source(id=1, url="https://example.kz/rss", language="ru", error_count=errors,
                  etag='"old"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")


def test_success_clears_errors_and_keeps_known_validators() -> None:
    fetched = FetchResult(url="https://example.kz/rss", status=200, etag='"new"')
    state = succeeded(_source(errors=3), fetched, NOW, INTERVAL, FeedStatus.OK, None)
    assert (state.error_count, state.last_error, state.next_fetch_at) == (0, None, NOW + INTERVAL)
    assert state.etag == '"new"'
    assert state.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"  # not sent again: kept
    assert state.last_success_at == state.last_fetch_at == NOW
    assert state.last_status == str(FeedStatus.OK)


@pytest.mark.parametrize(
    ("errors_before", "delay"),
    [(0, INTERVAL), (1, 2 * INTERVAL), (2, 4 * INTERVAL), (6, 64 * INTERVAL), (7, MAX_BACKOFF), (500, MAX_BACKOFF)],
)
def test_errors_back_off_doubling_up_to_a_day(errors_before: int, delay: float) -> None:
    fetched = FetchResult(url="https://example.kz/rss", status=500, error="HTTP 500")
    state, status = failed(_source(errors_before), fetched, NOW, INTERVAL, "HTTP 500")
    assert status is FeedStatus.ERROR
    assert state.error_count == errors_before + 1
    assert state.next_fetch_at == NOW + delay
    assert state.enabled and state.last_error == "HTTP 500"


@pytest.mark.parametrize(("retry_after", "delay"),
                         [(120.0, 120.0), (0.0, 1.0), (10 * MAX_BACKOFF, MAX_BACKOFF)])
def test_retry_after_is_honoured_within_bounds(retry_after: float, delay: float) -> None:
    fetched = FetchResult(url="https://example.kz/rss", status=429, error="HTTP 429",
                          retry_after=retry_after)
    state, _ = failed(_source(errors=4), fetched, NOW, INTERVAL, "HTTP 429")
    assert state.next_fetch_at == NOW + delay


def test_gone_disables_the_feed() -> None:
    fetched = FetchResult(url="https://example.kz/rss", status=410, error="HTTP 410")
    state, status = failed(_source(), fetched, NOW, INTERVAL, "HTTP 410")
    assert status is FeedStatus.GONE
    assert not state.enabled
