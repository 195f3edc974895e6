"""Search latency on an archive of 200,000 items: p50/p95 over 1,000 varied queries.

Goal (issue 2): p95 under 20 ms. Baseline: the bare FTS5 MATCH of the same tokens' stems
(quoted, ANDed, ranked, top 5; no Kazakh alternatives or prefixes, no snippets, no story
grouping). The index holds stems only (migration 0011), so the stems are what a bare query
can match. The archive is generated from
the words of the labeled dev items (read in place from ../shared/data, never copied) or, when
that is absent, from a small built-in vocabulary.

Usage: python -m bench.search [--items 200000] [--queries 1000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench._common import dev_items, machine, today
from feeds.archive import Archive, connect_archive
from feeds.archive.items import insert_new_items
from feeds.models import Item
from feeds.search import build_match
from feeds.textnorm import stem, stem_text, tokenize

FALLBACK_WORDS = (
    "общественный совет заседание некоммерческих организаций государственный социальный заказ "
    "гранты волонтеры благотворительный фонд права человека закон проект парламент мажилис "
    "үкіметтік емес ұйымдар азаматтық қоғам қайырымдылық еріктілер заң жобасы құрылтай "
    "civil society organizations grants human rights law parliament volunteers charity council"
).split()


def _vocabulary() -> tuple[list[str], list[str]]:
    """Sentences-worth of words to build items from, and words to query."""
    words: list[str] = []
    for record in dev_items():
        words.extend(str(record.get("title", "")).split())
        words.extend(str(record.get("summary", "")).split())
    if len(words) < 1000:
        words = FALLBACK_WORDS * 50
    query_words = [w for w in {t for w in words for t in tokenize(w)} if len(w) >= 4]
    return words, sorted(query_words)


def _items(count: int, words: list[str], rng: random.Random) -> list[Item]:
    now = time.time()
    items = []
    for n in range(count):
        start = rng.randrange(len(words) - 120)
        title = " ".join(words[start : start + rng.randint(6, 12)])
        text = " ".join(words[start + 12 : start + 12 + rng.randint(40, 100)])
        items.append(Item(
            source_id=1 + n % 20, guid=f"g{n}", url=f"https://example.kz/{n}",
            canonical_url=f"https://example.kz/{n}", title=title, text=text,
            language="kk" if n % 7 == 0 else "ru", published_at=now - n * 30, fetched_at=now,
            content_hash=f"h{n}",
        ))
    return items


async def _fill(archive: Archive, count: int, words: list[str]) -> None:
    rng = random.Random(7)
    for n in range(20):
        await archive.sources.add(f"https://example{n}.kz/rss", title=f"Outlet {n}")
    batch = 5000
    for first in range(0, count, batch):
        items = _items(min(batch, count - first), words, rng)
        for offset, item in enumerate(items):
            item.guid = item.canonical_url = f"{first + offset}"
        stems = await asyncio.to_thread(
            lambda items=items: [(stem_text(i.title, i.language), stem_text(i.text, i.language))
                                 for i in items]
        )
        async with archive.db.transaction() as conn:
            await insert_new_items(conn, items, stems)


def _queries(query_words: list[str], count: int) -> list[str]:
    rng = random.Random(11)
    hostile = ['"', "AND(", "{title}", "-закон", "NEAR", "x" * 5000, "*", ""]
    queries = []
    for n in range(count):
        if n % 50 == 0:
            queries.append(hostile[(n // 50) % len(hostile)])
        else:
            queries.append(" ".join(rng.sample(query_words, rng.choice((1, 1, 2, 2, 3)))))
    return queries


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _measure(archive: Archive, queries: list[str]) -> tuple[list[float], list[float]]:
    ours, bare = [], []
    for query in queries:
        started = time.perf_counter()
        await archive.search.search(query, limit=5)
        ours.append((time.perf_counter() - started) * 1000)
        tokens = tokenize(query)[:10]
        if not tokens:
            continue
        expression = " ".join('"' + stem(t).replace('"', '""') + '"' for t in tokens)
        started = time.perf_counter()
        cursor = await archive.db.reader.execute(
            "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rank LIMIT 5",
            (expression,),
        )
        await cursor.fetchall()
        bare.append((time.perf_counter() - started) * 1000)
    return ours, bare


async def main(count: int, query_count: int, keep: Path | None) -> None:
    words, query_words = _vocabulary()
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "bench.db"
        archive = await connect_archive(path)
        try:
            if await archive.items.count() < count:
                started = time.perf_counter()
                await _fill(archive, count, words)
                print(f"built {count} items in {time.perf_counter() - started:.1f} s")
            queries = _queries(query_words, query_count)
            assert sum(build_match(q) is None for q in queries) < len(queries)
            await _measure(archive, queries[:50])  # warm the page cache
            ours, bare = await _measure(archive, queries)
        finally:
            await archive.close()
    p50, p95 = statistics.median(ours), _percentile(ours, 0.95)
    b50, b95 = statistics.median(bare), _percentile(bare, 0.95)
    print(f"machine: {machine()}; date: {today()}")
    print(f"archive: {count} items; queries: {len(queries)}")
    print(f"search  p50 {p50:.2f} ms  p95 {p95:.2f} ms  (goal p95 < 20 ms: "
          f"{'met' if p95 < 20 else 'NOT met'}, {p95 / 20:.2f}x of the goal)")
    print(f"bare FTS5 MATCH  p50 {b50:.2f} ms  p95 {b95:.2f} ms")
    print(f"ratio to bare MATCH: p50 {p50 / b50:.2f}x  p95 {p95 / b95:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive at this path")
    options = parser.parse_args()
    asyncio.run(main(options.items, options.queries, options.keep))
