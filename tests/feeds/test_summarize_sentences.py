"""Sentence splitting for summaries: seams of stripped markup repaired, quotations whole."""

from __future__ import annotations

import pytest

from feeds.sentences import (
    balanced_quotes,
    ends_sentence,
    paragraphs,
    repair_seams,
    split_sentences,
)


@pytest.mark.parametrize(
    ("glued", "repaired"),
    [
        ("пострадавших.Фото: пресс-служба", "пострадавших. Фото: пресс-служба"),
        ("корреспондент Tengrinews.kz .В суде", "корреспондент Tengrinews.kz . В суде"),
        ('ответственности."В отношении', 'ответственности. "В отношении'),
        ("пресс-службу КНБ.С 1 апреля", "пресс-службу КНБ. С 1 апреля"),
        ("Фото пресс-службы АкордыКак сообщил", "Фото пресс-службы Акорды\n\nКак сообщил"),
        ("17 апреляПо состоянию", "17 апреля\n\nПо состоянию"),
        ("хабарлайдыMassaget.kzтілшісі", "хабарлайды Massaget.kz тілшісі"),
        ("пропустил бой., Добавим, что", "пропустил бой. Добавим, что"),
        ("ҮЕҰ-лар NGOмен және Kazinform", "ҮЕҰ-лар NGO мен және Kazinform"),
        ("жобасынZe", "жобасын Ze"),
        # Left alone: initials, abbreviations, domain names, names in camel case.
        ("А.Иванов сказал", "А.Иванов сказал"),
        ("т.е. нет", "т.е. нет"),
        ("сайт Tengrinews.kz сообщил", "сайт Tengrinews.kz сообщил"),
        ("АО «КазМунайГаз» и ҚазАқпарат", "АО «КазМунайГаз» и ҚазАқпарат"),
        ("«ЦентрКредит» и «КазАвтоЖол»", "«ЦентрКредит» и «КазАвтоЖол»"),
        ("аbв и вbа", "аbв и вbа"),  # one Latin letter among Cyrillic ones is a look-alike
    ],
)
def test_seams(glued: str, repaired: str) -> None:
    assert repair_seams(glued) == repaired


def test_paragraphs_collapse_every_kind_of_space_run() -> None:
    text = "  Первый \t\u00a0абзац\u2009 и\u202fтак. \r\n\n \n Второй  абзац "
    assert paragraphs(text) == ["Первый абзац и так.", "Второй абзац"]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Первое предложение. Второе предложение!", ["Первое предложение.", "Второе предложение!"]),
        ("Он сказал: «Мы рады. Спасибо». Потом ушёл.",
         ["Он сказал: «Мы рады. Спасибо».", "Потом ушёл."]),
        ("Абзац первый.\n\nАбзац второй.", ["Абзац первый.", "Абзац второй."]),
        ("Строка первая\nСтрока вторая", ["Строка первая", "Строка вторая"]),
        # An unclosed quotation does not swallow the paragraph.
        ("Все «хорошо. Раз. Два. Три. Четыре. Пять. Шесть.",
         ["Все «хорошо.", "Раз.", "Два.", "Три.", "Четыре.", "Пять.", "Шесть."]),
        ("", []),
    ],
)
def test_split(text: str, sentences: list[str]) -> None:
    assert [s.text for s in split_sentences(text)] == sentences


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("Совет провел заседание.", True),
        ("Совет провел заседание?", True),
        ("Он сказал: «Мы рады».", True),
        ("Он сказал: «Мы рады!»", True),
        ("Совет провел заседа…", False),
        ("Совет провел заседание...", False),
        ("Совет провел заседание", False),
        ("Совет провел заседание:", False),
    ],
)
def test_sentence_ends(text: str, whole: bool) -> None:
    assert ends_sentence(text) is whole


def test_balanced_quotes() -> None:
    assert balanced_quotes('Он сказал: «Мы рады» и "довольны".')
    assert not balanced_quotes("Он сказал: «Мы рады.")
    assert not balanced_quotes('Он сказал: "Мы рады.')
