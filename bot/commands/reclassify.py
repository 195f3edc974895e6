"""`civic-digest reclassify`: re-score every archived item with the current lexicon and
admin terms (after a lexicon change or an admin's /filter edit), and say how many changed."""

from __future__ import annotations

import argparse
import asyncio
import time

from bot.config import Settings

HELP = "re-score every archived item with the current lexicon and admin terms"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--batch", type=int, default=500, help="items scored and saved together (default 500)"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    changed, total, relevant = asyncio.run(reclassify(settings, max(1, args.batch)))
    print(f"Re-scored {total} items: {changed} changed verdict; {relevant} are now relevant.")
    return 0


async def reclassify(settings: Settings, batch_size: int = 500) -> tuple[int, int, int]:
    """(items whose verdict changed, items scored, items now relevant)."""
    from feeds.archive import open_archive
    from feeds.classify import Classifier

    changed = total = relevant = 0
    async with open_archive(settings.database_path) as archive:
        terms = await archive.terms.all()
        classifier = await asyncio.to_thread(Classifier.load, terms)
        for batch in await archive.items.iter_batches(batch_size):
            verdicts = await asyncio.to_thread(
                classifier.classify_many, [(i.title, i.text, i.language) for i in batch]
            )
            for item, verdict in zip(batch, verdicts, strict=True):
                before = item.verdict
                if before is None or before.relevant != verdict.relevant:
                    changed += 1
                relevant += verdict.relevant
            await archive.items.save_verdicts(
                [(item.id, v) for item, v in zip(batch, verdicts, strict=True) if item.id is not None],
                time.time(),
            )
            total += len(batch)
    return changed, total, relevant
