"""Cleaning: plain text out of markup, canonical URLs, language, dates, dedup within a feed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.clean import canonical_url, clean_entries, detect_language, html_to_text
from feeds.models import ParsedFeed, RawEntry, Source
from feeds.parse import parse_feed
from tests.conftest import TEST_DATA
from tests.fakes.feed_server import FeedEntry, rss_document

NOW = 1_800_000_000.0
SOURCE = Source(id=7, url="https://example.kz/rss", language="")


def entries_of(name: str) -> ParsedFeed:
    return parse_feed((TEST_DATA / "feeds" / name).read_bytes(),
                      url="https://example.kz/rss", content_type="application/rss+xml")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Один.</p><p>Два.</p>", "Один.\nДва."),
        ("<script>alert(1)</script>Текст<style>p{}</style>", "Текст"),
        ("A&nbsp;&amp;&#1041;&laquo;&raquo;", "A &Б«»"),
        ("  много   \t пробелов \n\n\n и строк ", "много пробелов\nи строк"),
        ("строка<br>строка<br/>строка", "строка\nстрока\nстрока"),
        ("<b>жирный</b> и <a href='x' onclick='y'>ссылка</a>", "жирный и ссылка"),
        ("<p>незакрытый <i>тег", "незакрытый тег"),
        ("<ul><li>один</li><li>два</li></ul>", "один\nдва"),
        ("a < b and c > d", "a < b and c > d"),
        ("<!-- comment -->видно", "видно"),
        ("<noscript><img src=x></noscript>ок", "ок"),
        ("<a title=\"x>y\" href='/a'>ссылка</a>", "ссылка"),
        ("<<script>x()</script>текст", "< текст"),
        ("<SCRIPT type='a'>x()</SCRIPT >после", "после"),
        ("до<script>незакрытый скрипт", "до"),
        ("<h2>Заголовок</h2>Абзац", "Заголовок\nАбзац"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_html_to_text_never_raises_and_never_keeps_a_script(fragment: str) -> None:
    text = html_to_text(fragment + "<script>secret()</script>")
    assert "secret()" not in text
    assert text == text.strip()
    assert "\n\n" not in text


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.KZ/News/1?utm_source=rss&utm_medium=x#top", "https://example.kz/News/1"),
        ("https://example.kz/a?id=5&fbclid=abc&yclid=1&gclid=2", "https://example.kz/a?id=5"),
        ("http://example.kz:80/a", "http://example.kz/a"),
        ("https://example.kz:8443/a", "https://example.kz:8443/a"),
        ("https://example.kz", "https://example.kz/"),
        ("https://example.kz./a?b=1&a=2", "https://example.kz/a?b=1&a=2"),
        ("mailto:press@example.kz", ""),
        ("javascript:alert(1)", ""),
        ("", ""),
        ("http://[bad", ""),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("text", "hint", "language"),
    [
        ("Общественный совет обсудил закон о некоммерческих организациях", "", "ru"),
        ("Азаматтық қоғам форумы Астанада өтті", "", "kk"),
        ("Азаматтық қоғам форумы Астанада өтті", "ru", "kk"),
        ("Parliament hears NGOs on the draft law", "ru", "en"),
        ("Президент Қасым-Жомарт Тоқаев подписал закон о волонтёрской деятельности", "", "ru"),
        ("Бұл жаңалық", "", "kk"),
        ("Жаңа заң", "kk-KZ", "kk"),
        ("Новости дня", "kk", "kk"),
        ("12345", "en-US", "en"),
        ("Бүгін Астанада жиын өтті", "", "kk"),
        ("Сьогодні у Києві пройшли збори громадських організацій", "", "ru"),
        ("Дзеці ў школе вучацца", "kk", "kk"),
        ("", "", "ru"),
    ],
)
def test_detect_language(text: str, hint: str, language: str) -> None:
    assert detect_language(text, hint) == language


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcxyzабвгдеёжыәғқңөұүһіїў .,\n1", max_size=700),
       st.sampled_from(["", "ru", "kk", "en"]))
def test_a_text_with_fewer_cyrillic_letters_than_latin_ones_is_english(
        text: str, hint: str) -> None:
    # detect_language counts Cyrillic letters only up to the Latin count: the verdict must
    # be the one that counting all of them gives.
    sample = text[:600].lower()
    cyrillic = sum(1 for char in sample if char in "абвгдеёжыәғқңөұүһіїў")
    latin = sum(1 for char in sample if char in "abcxyz")
    if cyrillic == latin == 0:
        assert detect_language(text, hint) == (hint or "ru")
    else:
        assert (detect_language(text, hint) == "en") == (cyrillic < latin)


def test_clean_rss2() -> None:
    items = clean_entries(entries_of("rss2.xml"), SOURCE, NOW)
    # a <guid> identifies its entry within the feed: kept as written, even a relative one
    assert [item.guid for item in items] == [
        "vestnik-1001", "https://vestnik.example.kz/news/1002", "vestnik-1003",
    ]
    first, second, _ = items
    assert first.canonical_url == "https://vestnik.example.kz/news/1001"
    assert first.text == ("Члены общественного совета обсудили поправки в закон о некоммерческих"
                          " организациях.\nПредставители НКО предложили упростить отчётность.")
    assert "track()" not in second.text and "«сорок две»" in second.text
    assert all(item.language == "ru" and item.source_id == 7 for item in items)
    assert all(item.fetched_at == NOW and item.published_at < NOW for item in items)
    assert len({item.content_hash for item in items}) == 3


def test_relative_links_resolve_against_the_feed() -> None:
    items = clean_entries(entries_of("atom.xml"), SOURCE, NOW)
    assert items[1].url == "https://example.kz/kk/news/78"
    assert all(item.language == "kk" for item in items)


def test_duplicates_within_a_feed_are_dropped() -> None:
    items = clean_entries(entries_of("duplicate-guids.xml"), SOURCE, NOW)
    # the second repeats a guid, the third the first one's URL (tracking parameters aside)
    assert [item.title for item in items] == ["Первая новость", "Четвёртая новость"]


def test_entries_without_link_or_title() -> None:
    items = clean_entries(entries_of("no-link-title.xml"), SOURCE, NOW)
    assert len(items) == 3  # the entry with neither title nor text is dropped
    untitled, unlinked, link_only = items
    assert untitled.title.startswith("Запись без заголовка") and untitled.url == ""
    assert untitled.canonical_url == ""
    assert unlinked.title == "Заголовок без ссылки" and unlinked.url == ""
    assert link_only.title == "Запись только со ссылкой и текстом."


def test_future_and_missing_dates_become_the_fetch_time() -> None:
    future, undated, past = clean_entries(entries_of("future-dates.xml"), SOURCE, NOW)
    assert future.published_at == NOW and undated.published_at == NOW
    assert past.published_at < NOW


def test_markup_and_scripts_in_titles_are_stripped() -> None:
    bold, escaped = clean_entries(entries_of("markup-titles.xml"), SOURCE, NOW)
    assert bold.title == "Жирный заголовок & курсив"
    assert bold.text == "Первый абзац.\nВторой абзац со ссылкой."
    assert escaped.title == "Экранированная разметка"


def test_untitled_entry_is_named_by_its_first_words() -> None:
    long_text = "слово " * 100
    parsed = ParsedFeed(title="", site_url="", language="ru", entries=[
        RawEntry(guid="g", link="", title="", content_html=long_text, published_at=None)])
    (item,) = clean_entries(parsed, SOURCE, NOW)
    assert item.title.endswith("…") and len(item.title) <= 121


def test_front_page_links_and_placeholder_dates_are_not_trusted() -> None:
    parsed = ParsedFeed(title="", site_url="", language="ru", entries=[
        RawEntry(guid=f"g{n}", link="https://example.kz/", title=f"Новость {n}",
                 content_html="Текст.", published_at=0.0)
        for n in range(3)
    ])
    items = clean_entries(parsed, SOURCE, NOW)
    assert len(items) == 3
    assert all(item.url == "https://example.kz/" and item.canonical_url == "" for item in items)
    assert all(item.published_at == NOW for item in items)


def test_entries_linking_to_the_front_page_get_distinct_guids() -> None:
    body = rss_document("Лента", [FeedEntry(f"Новость {n}", "Текст.", link="https://ex.kz/")
                                  for n in range(3)])
    parsed = parse_feed(body, url="https://ex.kz/rss", content_type="application/rss+xml")
    assert len({entry.guid for entry in parsed.entries}) == 3
