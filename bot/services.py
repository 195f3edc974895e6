"""The long-lived objects the bot's handlers and jobs share, built once at start-up.

Handlers receive them by injection (aiogram's workflow data), never by import.
`open_services(settings)` builds them and closes them again, in one place.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Settings
from feeds.archive import Archive, connect_archive
from feeds.classify import Classifier, FilterTerm
from feeds.fetch import Fetcher
from feeds.stages import CpuWorkers, cpu_workers

if TYPE_CHECKING:
    from bot.metrics import Metrics


@dataclass(slots=True)
class Services:
    settings: Settings
    archive: Archive
    fetcher: Fetcher
    classifier: Classifier
    # Set by the sender when it runs, so that handlers can ask it to look at the outbox now.
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # The Prometheus metrics, when METRICS_PORT is set (built with the dispatcher).
    metrics: Metrics | None = None
    # Worker processes for polling's CPU stages, when INGEST_PROCESSES is set. They hold
    # the filter as it was at start-up: after /keywords changes, classifying falls back to
    # a thread with the current filter, and the other stages stay in the processes.
    cpu_workers: CpuWorkers | None = None

    async def reload_classifier(self) -> Classifier:
        """Rebuild the filter with the admins' current terms (after /keywords changes)."""
        terms = [FilterTerm(t.topic, t.kind, t.term) for t in await self.archive.terms.all()]
        self.classifier = await asyncio.to_thread(Classifier.load, terms)
        return self.classifier


async def _open_fetcher(settings: Settings, stack: AsyncExitStack) -> Fetcher:
    """The shared feed fetcher, closed with the stack."""
    return await stack.enter_async_context(Fetcher(allow_private=settings.feeds_allow_private))


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """Open the archive and the fetcher, load the filter, start the polling worker processes
    if any; close and stop everything on the way out."""
    async with AsyncExitStack() as stack:
        archive = await connect_archive(settings.database_path)
        stack.push_async_callback(archive.close)
        fetcher = await _open_fetcher(settings, stack)
        services = Services(settings, archive, fetcher, Classifier.load())
        await services.reload_classifier()
        if settings.ingest_processes:
            services.cpu_workers = await stack.enter_async_context(
                cpu_workers(services.classifier, settings.ingest_processes)
            )
        yield services
