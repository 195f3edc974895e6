"""Extractive summaries: one or two whole sentences of the item, no boilerplate.

Pass-through stage until summaries land: no summary.
"""

from __future__ import annotations

from collections.abc import Sequence


def summarize(title: str, text: str, language: str, matched: Sequence[str] = ()) -> str | None:
    """One or two sentences of `text` that say what happened, or None when there are none."""
    return None
