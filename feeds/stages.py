"""The CPU stages of a feed refresh, and where they run.

Parsing and cleaning, classifying, and summarizing with the stems and fingerprints that the
store needs are CPU work, kept off the event loop: in a worker thread, one stage at a time
(`StageContext.turn`), or in worker processes (`cpu_workers`) for large polls. The stages
themselves are feeds.parse, feeds.clean, feeds.classify, feeds.summarize and feeds.stories;
feeds.pipeline calls them through here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import multiprocessing
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from feeds import summarize
from feeds.classify import Classifier
from feeds.clean import clean_entries
from feeds.models import Item, ParsedFeed, Source, Verdict
from feeds.parse import parse_feed
from feeds.stories import Fingerprint, fingerprint
from feeds.textnorm import recent_stems, stem_text

T = TypeVar("T")

WORKER_NICENESS = 10
"""How much lower than the bot the worker processes run. The CPU stages then take what
the cores have left, and the bot's event loop and the archive's writer never queue for a
core behind them: the stores of a poll's feeds follow one another (one transaction at a
time), so a store slowed by the workers holds up every feed behind it, and with nothing
left to do the workers wait too. In the ingest bench (two workers on two cores) the poll
used 88% of the cores at the same priority and 97% at this one."""


@dataclass(frozen=True)
class CpuWorkers:
    """Worker processes for the CPU stages, each with its own copy of `classifier`."""

    executor: ProcessPoolExecutor
    classifier: Classifier


class StageContext(Protocol):
    """What running a stage needs of the pipeline's context."""

    classifier: Classifier
    turn: asyncio.Lock
    """Held by each CPU stage in a thread, so that one runs at a time."""
    workers: CpuWorkers | None
    """When given, the stages run in these processes instead."""


@asynccontextmanager
async def cpu_workers(classifier: Classifier, processes: int = 1) -> AsyncIterator[CpuWorkers]:
    """Start `processes` worker processes for the CPU stages, each with a copy of
    `classifier`; they are stopped on the way out. Worth it for large polls on a machine
    with a core to spare (about 50 MB of memory each); a context without them uses threads."""
    # spawn: a worker is a fresh interpreter, not a fork of this process and its threads
    # (the database's, the event loop's), and no server process outlives the pool.
    executor = ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker, initargs=(classifier,),
    )
    try:
        loop = asyncio.get_running_loop()
        # Started now, so that the first feeds do not wait for the imports.
        await asyncio.gather(*(loop.run_in_executor(executor, _ready) for _ in range(processes)))
        yield CpuWorkers(executor, classifier)
    finally:
        await asyncio.to_thread(executor.shutdown)


_own_classifier: Classifier | None = None
"""In a worker process only: the classifier `cpu_workers` gave it."""


def _start_worker(classifier: Classifier) -> None:
    """In a new worker process: lower its priority and keep its copy of `classifier`."""
    global _own_classifier
    if hasattr(os, "nice"):  # not on Windows, where the workers keep the bot's priority
        os.nice(WORKER_NICENESS)
    _own_classifier = classifier


def _ready() -> None:
    """Nothing: a worker process answering it has started."""


async def run_stage(ctx: StageContext, function: Callable[..., T], *args: Any) -> T:
    """Run a CPU stage in a worker process if the context has them, else in a worker
    thread in its turn (see `StageContext.turn`)."""
    if ctx.workers is not None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(ctx.workers.executor, functools.partial(function, *args))
    async with ctx.turn:
        return await asyncio.to_thread(function, *args)


def read_feed(body: bytes, url: str, content_type: str, source: Source,
               now: float) -> tuple[ParsedFeed, list[Item]]:
    """The parsed feed (its entries dropped once cleaned) and its clean items."""
    parsed = parse_feed(body, url=url, content_type=content_type)
    if parsed.error is not None:
        return parsed, []
    return dataclasses.replace(parsed, entries=[]), clean_entries(parsed, source, now)


ItemText = tuple[str, str, str]
"""An item's title, text and language: all the CPU stages after cleaning read of it, and
all of it that goes to a worker process (each way a crossing pickles what it carries;
whole items cost four times as much)."""


def item_text(item: Item) -> ItemText:
    return item.title, item.text, item.language


async def classify_items(ctx: StageContext, items: list[Item]) -> None:
    """Set every item's verdict, by the context's classifier."""
    texts = [item_text(item) for item in items]
    workers = ctx.workers
    if workers is not None and workers.classifier is ctx.classifier:
        verdicts = await run_stage(ctx, _classify_all, None, texts)
    else:  # the workers' copy may be an older classifier than this context's
        async with ctx.turn:
            verdicts = await asyncio.to_thread(_classify_all, ctx.classifier, texts)
    for item, verdict in zip(items, verdicts, strict=True):
        item.verdict = verdict


def _classify_all(classifier: Classifier | None, texts: list[ItemText]) -> list[Verdict]:
    """Verdicts by `classifier`, or, in a worker process, by its own (None)."""
    judge = classifier or _own_classifier
    assert judge is not None
    return judge.classify_many(texts)


def summarize_and_stem(
    texts: list[ItemText], matched: list[list[str] | None],
) -> tuple[list[str | None], list[tuple[str, str]], list[Fingerprint]]:
    """For each item: its summary when it is kept (`matched`: the terms it matched, None
    for an item not kept, which gets None); its title and text stems (for search) and its
    fingerprint (for stories), so that the store transaction does no CPU work."""
    summaries: list[str | None] = []
    stems: list[tuple[str, str]] = []
    fingerprints: list[Fingerprint] = []
    for (title, text, language), terms in zip(texts, matched, strict=True):
        # The three stages stem the same words, and news repeat their word forms: each
        # word is looked up in the stems of the process's recent items, stemmed if new.
        known = recent_stems(language)
        stems.append((stem_text(title, language, known), stem_text(text, language, known)))
        summaries.append(None if terms is None else
                         summarize.summarize(title, text, language, terms, known))
        fingerprints.append(fingerprint(title, text, language, known))
    return summaries, stems, fingerprints
