"""Full article text for kept items whose feed carries only a teaser.

Pass-through stage until summaries land: items are left as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feeds.models import Item

if TYPE_CHECKING:
    from feeds.fetch import Fetcher


async def expand_teasers(fetcher: Fetcher, items: list[Item]) -> None:
    """Replace the short text of kept items by the article's main text, where it can."""
    return None
