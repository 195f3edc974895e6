"""Boilerplate patterns, per language: what each one catches, and what it must leave alone."""

from __future__ import annotations

import pytest

from feeds import boilerplate

# (language file, sentence, the drop pattern expected to catch it)
DROPPED = [
    ("common", "МИА «Новости региона» © 2006–2026", "copyright sign"),
    ("common", "All rights reserved by the publisher.", "copyright sign"),
    ("common", "Подробности на сайте https://example.kz/news/1 в разделе новостей.", "web link"),
    ("common", "Видео опубликовано в аккаунте @city_news_kz сегодня утром.", "social handle"),
    ("common", "#новости #Казахстан #НКО", "hashtag line"),
    ("common", "🔥 Главное за день в одном сообщении.", "emoji bullets"),
    ("ru", "Сетевое издание зарегистрировано в Министерстве информации Республики Казахстан.",
     "registration"),
    ("ru", "Свидетельство о постановке на учет № 00000-ИА выдано 1 января 2020 года.",
     "registration certificate"),
    ("ru", "При использовании материалов сайта активная ссылка обязательна.", "reprint rules"),
    ("ru", "Подписывайтесь на наш канал в Telegram.", "subscribe call"),
    ("ru", "Подписаться на новости города", "subscribe call"),
    ("ru", "Подписывайся на канал Прислать новость", "subscribe call"),
    ("ru", "Прислать новость", "send us news"),
    ("ru", "Читайте также: как получить грант для НКО.", "read also"),
    ("ru", "Подробности читайте по ссылке.", "read also"),
    ("ru", "Фото: пресс-служба акимата", "photo credit"),
    ("ru", "Фото пресс-службы Акорды", "photo credit"),
    ("ru", "Посмотреть эту публикацию в Instagram", "instagram embed"),
    ("ru", "Теги: НКО, гранты, общество", "tag line"),
    ("ru", "Автор: Айгерим Сапарова", "byline"),
    ("ru", "Организация признана в России иностранным агентом.", "foreign agent notice"),
    ("ru", "Реклама. ООО «Ромашка».", "advertising mark"),
    ("ru", "Наши новости теперь в WhatsApp.", "vpn link"),
    ("kk", "Басылым Ақпарат министрлігінде тіркелген.", "registration"),
    ("kk", "Есепке қою туралы куәлік № 00000-Б берілген.", "registration certificate"),
    ("kk", "Материалдарды пайдаланған кезде сайтқа сілтеме міндетті.", "reprint rules"),
    ("kk", "Біздің арнамызға жазылыңыз.", "subscribe call"),
    ("kk", "Оқи отырыңыз: ҮЕҰ-ға грант қалай алынады.", "read also"),
    ("kk", "Материалдың толық нұсқасын сілтеме арқылы оқи аласыздар.", "read also"),
    ("kk", "Фото: әкімдіктің баспасөз қызметі", "photo credit"),
    ("kk", "Тегтер: ҮЕҰ, грант, қоғам", "tag line"),
    ("kk", "Автор: Айгерим Сапарова", "byline"),
    ("kk", "Жаңалықтарды Telegram арнамыздан оқыңыз.", "channel call"),
    ("en", "The outlet is registered with the Ministry of Information.", "registration"),
    ("en", "When reprinting materials, a link to the source is required.", "reprint rules"),
    ("en", "Subscribe to our newsletter for daily updates.", "subscribe call"),
    ("en", "Follow us on Telegram and Instagram.", "subscribe call"),
    ("en", "Read also: How NGOs apply for state grants.", "read also"),
    ("en", "Photo: the akimat's press service", "photo credit"),
    ("en", "Tags: NGO, grants, civil society", "tag line"),
    ("en", "By Aigerim Saparova", "byline"),
    ("en", "Advertisement", "advertisement"),
]

# Sentences of news that look a little like boilerplate and must stay.
KEPT = [
    "Депутаты подписали закон о некоммерческих организациях.",
    "Стороны подписали меморандум о сотрудничестве в сфере волонтерства.",
    "Министерство зарегистрировало 120 новых общественных объединений.",
    "Фонд передал продуктовые наборы многодетным семьям.",
    "Автор законопроекта считает, что поправки защитят права волонтеров.",
    "Участники форума обсудили доступ НКО к государственным грантам.",
    "Тараз қаласында еріктілер қарттарға көмек көрсетті.",
    "Үкіметтік емес ұйымдар мемлекеттік әлеуметтік тапсырысқа қатысты.",
    "The council discussed the state social order for NGOs.",
    "Volunteers registered 300 families for winter aid.",
    "Photographs of the flooded villages were shown at the hearing.",
]

# (sentence, what is left once the dateline and the outlet's attribution are cut)
STRIPPED = [
    ("АСТАНА. KAZINFORM – Ұлттық банк төрағасы мәлімдеме жасады.",
     "Ұлттық банк төрағасы мәлімдеме жасады."),
    ("АЛМАТЫ, 5 марта. КазТАГ – Суд вынес решение по делу.", "Суд вынес решение по делу."),
    ("NUR-SULTAN. KAZINFORM – The Senate adopted the law.", "The Senate adopted the law."),
    ("ASTANA – The council met on Monday.", "The council met on Monday."),
    ("ALMATY. KAZINFORM The council met on Monday.", "The council met on Monday."),
    ("ASTANA. April 3. KAZINFORM The council met.", "The council met."),
    ("Совет провел заседание, передает Деловой Казахстан.", "Совет провел заседание."),
    ("Совет провел заседание, передает корреспондент Tengrinews.kz .", "Совет провел заседание."),
    ("Совет провел заседание, сообщает Zakon.kz.", "Совет провел заседание."),
    ("Жиын өтті, — деп хабарлайды Kazinform тілшісі.", "Жиын өтті."),
    ("The council met on Monday, Kazinform correspondent reports.", "The council met on Monday."),
    ("The council met on Monday, reports The Astana Times.", "The council met on Monday."),
    # Left alone: no dateline, or a source the reader needs to judge the claim.
    ("США, Китай и Россия - крупнейшие экономики.", "США, Китай и Россия - крупнейшие экономики."),
    ("Министерство передает дела в суд.", "Министерство передает дела в суд."),
    ("Атака ожидается, передает Tengrinews.kz со ссылкой на The Wall Street Journal.",
     "Атака ожидается, передает Tengrinews.kz со ссылкой на The Wall Street Journal."),
    ("The council met, the commission reports.", "The council met, the commission reports."),
]

FOOTERS = [
    ("ru", "Сетевое издание зарегистрировано в Министерстве информации и общественного развития."),
    ("ru", "Свидетельство о постановке на учет № 00000-ИА."),
    ("ru", "При полном или частичном использовании материалов ссылка обязательна."),
    ("kk", "Басылым Ақпарат министрлігінде тіркелген."),
    ("en", "Registered with the Ministry of Information and Social Development."),
    ("common", "© 2026 Новости области. Все права защищены."),
]


@pytest.mark.parametrize(("language", "sentence", "name"), DROPPED)
def test_boilerplate_sentences_are_dropped(language: str, sentence: str, name: str) -> None:
    found = [(p.language, p.name) for p in boilerplate.load().drop if p.regex.search(sentence)]
    assert (language, name) in found


@pytest.mark.parametrize("sentence", KEPT)
def test_news_sentences_are_kept(sentence: str) -> None:
    rules = boilerplate.load()
    assert rules.dropping(sentence) is None
    assert not rules.starts_footer(sentence)
    assert rules.strip(sentence) == sentence


@pytest.mark.parametrize(("sentence", "expected"), STRIPPED)
def test_datelines_and_attributions_are_cut(sentence: str, expected: str) -> None:
    assert boilerplate.load().strip(sentence) == expected


@pytest.mark.parametrize(("language", "paragraph"), FOOTERS)
def test_footers_are_recognised(language: str, paragraph: str) -> None:
    found = [p.language for p in boilerplate.load().footer if p.regex.search(paragraph)]
    assert language in found


def test_every_drop_pattern_has_an_example() -> None:
    covered = {(language, name) for language, _, name in DROPPED}
    patterns = {(p.language, p.name) for p in boilerplate.load().drop}
    assert patterns - covered == set()


def test_every_language_has_its_file() -> None:
    for language in boilerplate.PATTERN_FILES:
        patterns = boilerplate.read_patterns(language)
        assert patterns, language
        assert {p.kind for p in patterns} <= set(boilerplate.KINDS)
