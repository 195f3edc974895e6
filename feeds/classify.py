"""Relevance filter: is an item about NGOs, civil society or public policy, which topics, why.

Pass-through stage until the filter lands: every item is kept as not relevant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from feeds.models import Verdict


@dataclass(frozen=True, slots=True)
class FilterTerm:
    """An admin's include or exclude term for one topic (stored in the archive)."""

    topic: str
    kind: str  # "include" or "exclude"
    term: str


class Classifier:
    """Built once (the lexicon is read from data files), then used from any thread."""

    @classmethod
    def load(cls, extra_terms: Iterable[FilterTerm] = ()) -> Classifier:
        return cls()

    def classify(self, title: str, text: str, language: str = "") -> Verdict:
        return Verdict.not_relevant()
