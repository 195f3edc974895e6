"""Hints: strings one of which every match of a pattern contains, tested before the search.

Most sentences match none of the boilerplate patterns, and a regex search that ignores
case walks the whole text once for every pattern. A substring test for the pattern's
hints, read from its own syntax tree (`«читайте»` for `\\bчитайте\\b|...`), rules out most
patterns for most texts first: over the sentences of the dev items and the real feeds the
drop check takes a quarter of the time.

The test is a necessary condition, never a filter of its own: the text and the hints are
compared case-folded (`fold`), and a pattern without a hint (one whose every part is
optional or a character class) is always searched. The syntax tree comes from
`re._parser`, the parser behind `re.compile`, which is not a public interface: whatever
it gives that is not understood here means no hints, never wrong ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

Hints = frozenset[str]


def fold(text: str) -> str:
    """`text` as hints are compared with it. `re.IGNORECASE` takes a letter for any with
    the same simple case mapping (and «ſ» for «s», «ı» for «i», «ᲀ» for «в»): upper- then
    lower-casing maps all of those to one form. «İ» alone lower-cases to two characters,
    where the regex sees one «i»."""
    return text.replace("İ", "i").upper().lower()


def hints_of(pattern: re.Pattern[str]) -> Hints | None:
    """Folded strings one of which every match of `pattern` contains, or None when no
    such strings could be found (the pattern must then always be searched)."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]

        tree = _parser.parse(pattern.pattern, pattern.flags)
        found = _required(tree, _constants)
    except Exception:  # a parser unlike that of Python 3.11-3.13: no hints
        return None
    return None if found is None else frozenset(fold(hint) for hint in found)


def union(hints: Iterable[Hints | None]) -> Hints | None:
    """The hints of several patterns together (none of them can match a text holding none
    of these), or None when one of the patterns has none."""
    together: set[str] = set()
    for pattern_hints in hints:
        if pattern_hints is None:
            return None
        together |= pattern_hints
    return frozenset(together)


def may_match(hints: Hints | None, folded: str) -> bool:
    """False only when the folded text holds none of the hints: no match is possible."""
    return hints is None or any(map(folded.__contains__, hints))  # the loop stays in C


def _required(sequence: Iterable[tuple[Any, Any]], ops: Any) -> Hints | None:
    """The most selective set of literal strings one of which every match of this
    sequence of syntax-tree nodes contains, or None."""
    candidates: list[Hints | None] = []
    run: list[str] = []  # consecutive literal characters

    def close_run() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    repeats = {ops.MAX_REPEAT, ops.MIN_REPEAT, getattr(ops, "POSSESSIVE_REPEAT", None)}
    for op, value in sequence:
        if op is ops.LITERAL:
            run.append(chr(value))
            continue
        if op is ops.AT:  # zero-width (^, \b): the characters around it stay adjacent
            continue
        close_run()
        if op is ops.SUBPATTERN:
            candidates.append(_required(value[3], ops))
        elif op is getattr(ops, "ATOMIC_GROUP", None):
            candidates.append(_required(value, ops))
        elif op is ops.BRANCH:
            alternatives = [_required(branch, ops) for branch in value[1]]
            if all(alternative is not None for alternative in alternatives):
                candidates.append(frozenset().union(*alternatives))  # type: ignore[arg-type]
        elif op in repeats and value[0] >= 1:  # at least once: what it requires is required
            candidates.append(_required(value[2], ops))
        # anything else (a character class, an optional part, a look-around) requires
        # nothing that can be named
    close_run()
    usable = [hints for hints in candidates if hints]
    if not usable:
        return None
    # The shortest hint decides how often the test passes for nothing: the longest wins.
    return max(usable, key=lambda hints: (min(map(len, hints)), -len(hints)))
