"""The digest renderer: valid Telegram HTML, within the limit, every story exactly once."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import (
    TELEGRAM_LIMIT,
    DigestView,
    SectionView,
    StoryView,
    clean_text,
    render_html,
    render_plain,
    safe_url,
    shorten,
)

# What Telegram's HTML parser accepts from us: these tags only, and in text only the named
# entities it knows plus numeric ones.
_TAG_RE = re.compile(r'<b>|</b>|<i>|</i>|<a href="[^"<>]*">|</a>')
_ENTITY_RE = re.compile(r"&(?:amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);")


class _TelegramHtml(HTMLParser):
    """Parses a part back: checks nesting and collects the visible text and the links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"b", "i", "a"}:
            self.problems.append(f"tag {tag}")
        if tag == "a":
            if [name for name, _ in attrs] != ["href"]:
                self.problems.append(f"a attributes {attrs}")
            self.links.append(attrs[0][1] or "")
        elif attrs:
            self.problems.append(f"{tag} attributes {attrs}")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_part(part: str) -> _TelegramHtml:
    for piece in _TAG_RE.split(part):
        assert "<" not in piece and ">" not in piece, piece
        assert _ENTITY_RE.sub("", piece).count("&") == 0, piece
    parser = _TelegramHtml()
    parser.feed(part)
    parser.close()
    assert not parser.problems, parser.problems
    assert not parser.open, f"unclosed {parser.open}"
    return parser


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def view_of(
    stories: list[StoryView], per_section: int = 7, footer: str | None = "и ещё 5: /latest"
) -> DigestView:
    sections = [
        SectionView(f"Тема {n} <&>", f"Тема {n} (продолжение)", stories[i : i + per_section])
        for n, i in enumerate(range(0, len(stories), per_section))
    ]
    return DigestView("Дайджест · 28 ноября 2026 г.", sections, footer=footer)


urls = st.one_of(
    st.builds(lambda path: "https://example.kz/" + path, st.text(max_size=80)),
    st.builds(lambda path: "http://сайт.kz/?q=" + path, st.text(max_size=40)),
    st.text(max_size=60),
    st.just('https://example.kz/a"onmouseover="x'),
    st.just("javascript:alert(1)"),
    st.builds(lambda n: "https://example.kz/" + "a" * n, st.integers(2000, 5000)),
)
# Long texts are built by repetition: drawing thousands of random characters one by one
# would make the test slow without finding more.
long_texts = st.builds(
    lambda piece, times: (piece + " ") * times, st.text(min_size=1, max_size=40),
    st.integers(40, 400),
)
texts = st.text(max_size=300) | long_texts
story_fields = st.tuples(
    texts, urls, st.text(max_size=120) | long_texts, st.none() | texts,
    st.none() | st.text(max_size=200),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(story_fields, min_size=1, max_size=25), st.integers(1, 9))
def test_parts_are_valid_html_within_the_limit_and_carry_every_story_once(
    fields: list[tuple[str, str, str, str | None, str | None]], per_section: int
) -> None:
    stories = [
        StoryView(key=n, title=title, url=url, source=source, when="14:05", summary=summary,
                  also=also)
        for n, (title, url, source, summary, also) in enumerate(fields)
    ]
    parts = render_html(view_of(stories, per_section))

    carried = [key for part in parts for key in part.story_keys]
    assert carried == [story.key for story in stories]
    linked = []
    for part in parts:
        assert len(part.text) <= TELEGRAM_LIMIT
        parsed = parse_part(part.text)
        visible = "".join(parsed.text)
        assert units(visible) <= TELEGRAM_LIMIT
        assert visible.strip(), "an empty message"
        linked += parsed.links
    expected_links = [safe_url(s.url) for s in stories]
    # A link is dropped only when a story had to lose it to fit; none is ever invented.
    assert set(linked) <= {u for u in expected_links if u}
    assert "и ещё 5: /latest" in parts[-1].text


@given(st.lists(st.text(max_size=200), min_size=1, max_size=30))
def test_short_stories_are_shown_whole(titles: list[str]) -> None:
    stories = [
        StoryView(key=n, title=t, url=f"https://example.kz/{n}", source="Лента", when="09:00")
        for n, t in enumerate(titles)
    ]
    parts = render_html(view_of(stories))
    visible = "\n".join("".join(parse_part(p.text).text) for p in parts)
    for story in stories:
        assert clean_text(story.title) in visible
    links = [link for p in parts for link in parse_part(p.text).links]
    assert links == [s.url for s in stories]


def test_a_story_longer_than_a_message_is_shortened_at_a_word_not_dropped() -> None:
    summary = " ".join(["слово&<b>"] * 1500)
    story = StoryView(key=7, title="Заголовок", url="https://example.kz/7", source="Лента",
                      when="10:00", summary=summary)
    (part,) = render_html(view_of([story], footer=None))
    assert part.story_keys == [7]
    assert len(part.text) <= TELEGRAM_LIMIT
    visible = "".join(parse_part(part.text).text)
    shown = visible.split("10:00\n", 1)[1].split("\n", 1)[0]
    assert shown.endswith("…") and shown[:-1].endswith("слово&<b>")
    assert '<a href="https://example.kz/7">Заголовок</a>' in part.text


def test_a_huge_title_is_cut_after_the_summary_is_gone() -> None:
    story = StoryView(key=1, title="Очень " * 2000, url="https://example.kz/1", source="Лента",
                      when="10:00", summary="Итог. " * 500, also="также: Другая лента")
    (part,) = render_html(view_of([story], footer=None))
    visible = "".join(parse_part(part.text).text)
    assert "Итог" not in visible and "Очень Очень" in visible and "…" in visible


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.kz/news/1?a=1&b=2", True),
        ("http://zakon.kz/статья", True),
        ("javascript:alert(1)", False),
        ("ftp://example.kz/file", False),
        ('https://example.kz/"><script>', False),
        ("https://example.kz/a b", False),
        ("", False),
        ("https://" + "a" * 3000 + ".kz", False),
    ],
)
def test_links_only_from_plain_web_addresses(url: str, linked: bool) -> None:
    story = StoryView(key=1, title="T & <T>", url=url, source="S", when="10:00")
    (part,) = render_html(view_of([story]))
    parsed = parse_part(part.text)
    assert parsed.links == ([url] if linked else [])
    assert "T & <T>" in "".join(parsed.text)
    if linked:
        assert f'href="{html.escape(url, quote=True)}"' in part.text


def test_parts_split_between_stories_and_repeat_the_heading() -> None:
    stories = [
        StoryView(key=n, title=f"Новость {n}", url=f"https://example.kz/{n}", source="Лента",
                  when="10:00", summary="Предложение из нескольких слов. " * 20)
        for n in range(20)
    ]
    parts = render_html(DigestView("Дайджест", [SectionView("НКО", "НКО (продолжение)", stories)]))
    assert len(parts) > 1
    assert all(p.text.startswith("<b>НКО (продолжение)</b>") for p in parts[1:])
    assert [k for p in parts for k in p.story_keys] == list(range(20))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  two\n\nlines\t here ", "two lines here"),
        ("zero\u200bwidth\u202e", "zero width"),
        ("nul\x00byte", "nul byte"),
        (None, ""),
    ],
)
def test_clean_text(raw: str | None, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("text", "keep", "expected"),
    [
        ("короткий", 100, "короткий"),
        ("один два три четыре", 11, "один два…"),
        ("один два три четыре", 12, "один два три…"),
        ("одно-длинное-слово", 5, "одно…"),
        ("abc", 0, ""),
    ],
)
def test_shorten_cuts_after_a_word(text: str, keep: int, expected: str) -> None:
    assert shorten(text, keep) == expected


def test_plain_text_has_no_markup_and_writes_links_out() -> None:
    story = StoryView(key=1, title="<b>Закон</b> & порядок", url="https://example.kz/1",
                      source="Лента", when="10:00", summary="Кратко.", also="также: Другая")
    text = render_plain(view_of([story]))
    assert "<b>Закон</b> & порядок" in text  # the title as written, not as markup
    assert "Лента · 10:00 · https://example.kz/1" in text
    assert "также: Другая" in text and text.startswith("Дайджест")
