"""Hints of boilerplate patterns: the strings a match must hold, tested before the search."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import boilerplate
from feeds.boilerplate.hints import fold, hints_of, may_match, union


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        (r"\bчитайте\b|\bпо\s+ссылке\b", re.IGNORECASE, {"читайте", "ссылке"}),
        (r"^(?:фото|видео)\s*:", re.IGNORECASE, {"фото", "видео"}),
        (r"Copyright \d{4}", 0, {"copyright "}),  # folded, as texts are compared
        (r"(?:подпис\w+)+ на канал", re.IGNORECASE, {" на канал"}),
        (r"(?-i:[A-Z])\w*\s+correspondent", re.IGNORECASE, {"correspondent"}),
        # Nothing every match must hold: always searched.
        (r"\d+\s*%", 0, {"%"}),
        (r"\d+", 0, None),
        (r"(?:фото)?\s*", 0, None),
        (r"фото|\d+", 0, None),
        (r"[«\"]\w+[»\"]", 0, None),
    ],
)
def test_hints_are_what_every_match_holds(pattern: str, flags: int,
                                          expected: set[str] | None) -> None:
    hints = hints_of(re.compile(pattern, flags))
    assert hints == (None if expected is None else frozenset(expected))


def test_folding_equates_what_ignorecase_equates() -> None:
    # Letters re.IGNORECASE takes for one another, though lower() alone keeps them apart.
    for variant, plain in [("ſ", "s"), ("ı", "i"), ("ᲀ", "в"), ("İ", "i"), ("Ё", "ё")]:
        assert re.fullmatch(plain, variant, re.IGNORECASE)
        assert fold(variant) == fold(plain)


def test_a_text_without_a_hint_cannot_match() -> None:
    hints = hints_of(re.compile(r"\bчитайте\s+также\b", re.IGNORECASE))
    assert may_match(hints, fold("ЧИТАЙТЕ также на сайте"))
    assert not may_match(hints, fold("Совет обсудил закон"))
    assert may_match(None, "")  # no hints: always searched


def test_a_kind_has_hints_only_when_each_of_its_patterns_has() -> None:
    assert union([frozenset({"фото"}), frozenset({"видео", "фото"})]) == {"фото", "видео"}
    assert union([frozenset({"фото"}), None]) is None
    rules = boilerplate.load()
    assert rules.footer_hints == union(p.hints for p in rules.footer)
    assert rules.footer_hints is not None and "©" in rules.footer_hints


def _hinted_patterns() -> list[boilerplate.Pattern]:
    rules = boilerplate.load()
    patterns = [*rules.footer, *rules.drop, *rules.strip_lead, *rules.strip_tail]
    return [pattern for pattern in patterns if pattern.hints is not None]


def test_most_patterns_have_hints() -> None:
    rules = boilerplate.load()
    searched = [*rules.footer, *rules.drop, *rules.strip_tail]
    assert sum(pattern.hints is None for pattern in searched) <= 2


@pytest.mark.parametrize("pattern", _hinted_patterns(), ids=lambda p: f"{p.language}-{p.kind}-{p.name}")
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_text_a_pattern_matches_holds_one_of_its_hints(
    pattern: boilerplate.Pattern, data: st.DataObject
) -> None:
    text = data.draw(st.from_regex(pattern.regex))
    assert pattern.regex.search(text)
    assert may_match(pattern.hints, fold(text)), (text, pattern.hints)
