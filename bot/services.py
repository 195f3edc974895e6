"""The long-lived objects the bot's handlers and jobs share, built once at start-up.

Handlers receive them by injection (aiogram's workflow data), never by import.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Settings
from feeds.archive import Archive
from feeds.classify import Classifier, FilterTerm

if TYPE_CHECKING:
    from feeds.fetch import Fetcher


@dataclass(slots=True)
class Services:
    settings: Settings
    archive: Archive
    fetcher: Fetcher
    classifier: Classifier
    # Set by the sender when it runs, so that handlers can ask it to look at the outbox now.
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    async def reload_classifier(self) -> Classifier:
        """Rebuild the filter with the admins' current terms (after /keywords changes)."""
        terms = [FilterTerm(t.topic, t.kind, t.term) for t in await self.archive.terms.all()]
        self.classifier = await asyncio.to_thread(Classifier.load, terms)
        return self.classifier
