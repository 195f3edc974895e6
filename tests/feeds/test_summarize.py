"""Summaries: whole sentences that say what happened, never the headline, never a footer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import boilerplate
from feeds.sentences import ends_sentence, repair_seams, split_sentences
from feeds.summarize import MAX_CHARS, summarize
from feeds.textnorm import tokenize

TITLE = "В Караганде открылся ресурсный центр для НКО"
LEAD = ("Областной ресурсный центр для некоммерческих организаций открылся в Караганде в среду.")
SECOND = "Специалисты будут бесплатно консультировать активистов по вопросам грантов."
THIRD = ("По словам руководителя центра, за первый месяц планируется провести двенадцать "
         "семинаров для общественных объединений из районов области.")
FOOTER = ("Сетевое издание зарегистрировано в Министерстве информации Республики Казахстан.\n\n"
          "Свидетельство о постановке на учет № 00000-ИА.\n\nТема\n\n© 2026 Новости области")


@pytest.mark.parametrize(
    ("title", "text", "language", "expected"),
    [
        # No text, or nothing beyond the headline: no summary.
        (TITLE, "", "ru", None),
        (TITLE, "   \n\n ", "ru", None),
        (TITLE, TITLE, "ru", None),
        (TITLE, TITLE + ".", "ru", None),
        (TITLE, "В Караганде открыт ресурсный центр для НКО.", "ru", None),
        # Only boilerplate: no summary.
        (TITLE, FOOTER, "ru", None),
        (TITLE, "Подписывайтесь на наш канал в Telegram. Читайте также: гранты для НКО.", "ru",
         None),
        # The lead and the next sentence, when both fit.
        (TITLE, f"{LEAD} {SECOND}\n\n{THIRD}\n\n{FOOTER}", "ru", f"{LEAD} {SECOND}"),
        # The dateline goes, the sentence stays.
        (TITLE, f"КАРАГАНДА. KAZINFORM – {LEAD}", "ru", LEAD),
        # A question asks; the statement after it tells.
        (TITLE, f"Как получить консультацию по грантам? {LEAD}", "ru", LEAD),
        # A sentence cut off by the feed is not a sentence.
        (TITLE, f"{LEAD}\n\nСпециалисты будут бесплатно консультировать активи…", "ru", LEAD),
        # A paragraph that starts mid-sentence is skipped.
        (TITLE, f"и отчётности, сообщили в акимате.\n\n{LEAD}", "ru", LEAD),
        # Markup stripping glued a photo credit to the sentence: it is cut away.
        (TITLE, f"{LEAD[:-1]}.Фото: пресс-служба акимата", "ru", LEAD),
        # A one-paragraph teaser without its full stop still makes a summary.
        ("Статистика года", "Больше двенадцати тысяч человек получили помощь фонда в этом году",
         "ru", "Больше двенадцати тысяч человек получили помощь фонда в этом году."),
        ("Павлодарда ҮЕҰ-ға арналған ресурстық орталық ашылды",
         "ПАВЛОДАР. KAZINFORM – Павлодарда үкіметтік емес ұйымдарға тегін кеңес беретін "
         "ресурстық орталық жұмысын бастады. Жобаны облыстық ішкі саясат басқармасы қолдады.",
         "kk", "Павлодарда үкіметтік емес ұйымдарға тегін кеңес беретін ресурстық орталық "
         "жұмысын бастады. Жобаны облыстық ішкі саясат басқармасы қолдады."),
        ("Shymkent opens a legal aid office",
         "SHYMKENT – A free legal aid office for survivors of domestic violence opened on "
         "Tuesday. Lawyers of a local NGO will help women file protection orders. "
         "Subscribe to our newsletter for daily updates.",
         "en", "A free legal aid office for survivors of domestic violence opened on Tuesday. "
         "Lawyers of a local NGO will help women file protection orders."),
    ],
)
def test_summaries(title: str, text: str, language: str, expected: str | None) -> None:
    assert summarize(title, text, language) == expected


def test_a_sentence_too_long_is_never_cut() -> None:
    long_sentence = "Участники обсудили " + ", ".join(["вопросы грантов"] * 30) + "."
    assert summarize(TITLE, long_sentence, "ru") is None
    assert summarize(TITLE, f"{long_sentence} {SECOND}", "ru") == SECOND


def test_matched_terms_steer_the_choice() -> None:
    text = ("Аким области встретился с жителями нового микрорайона и ответил на их вопросы. "
            "На встрече также говорили о работе волонтеров, которые помогают пожилым людям.")
    plain = summarize("Встреча в акимате", text, "ru")
    steered = summarize("Встреча в акимате", text, "ru", matched=["волонтеров"])
    assert plain is not None and steered is not None
    assert "волонтер" in steered


def _audit(summary: str, text: str) -> None:
    """What every summary promises, checked on real text."""
    assert len(summary) <= MAX_CHARS
    assert ends_sentence(summary), summary
    assert boilerplate.load().matches(summary) == [], summary
    for marker in ("©", "http", "Подпис", "Читайте", "KAZINFORM", "Фото:", "@"):
        assert marker not in summary, summary
    # Every word comes from the text (once the seams that stripping markup glued are open).
    assert set(tokenize(summary)) <= set(tokenize(repair_seams(text))), summary


def test_the_seed_article(shared_data: Path) -> None:
    lines = (shared_data / "seed" / "dknews-ngo-coordination-council.txt").read_text(
        encoding="utf-8").splitlines()
    title, body = lines[0], "\n".join(lines[3:])
    summary = summarize(title, body, "ru", ["НПО", "Координационного совета"])
    assert summary is not None
    _audit(summary, body)
    assert "заседани" in summary and "Координационного совета" in summary
    assert not summary.endswith("?")
    for footer in ("зарегистрировано", "Свидетельство", "©", "DKnews", "Тема", "Обновление"):
        assert footer not in summary


def test_dev_items(shared_data: Path) -> None:
    import json

    made = 0
    with (shared_data / "news" / "dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = record.get("summary") or ""
            summary = summarize(record["title"], text, record["lang"])
            if not text:
                assert summary is None
            if summary is not None:
                made += 1
                _audit(summary, text)
    assert made > 500


def _feed_texts(shared_data: Path) -> list[tuple[str, str]]:
    import io
    from html.parser import HTMLParser

    import feedparser

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag in {"p", "br", "div", "li", "h1", "h2", "h3"}:
                self.parts.append("\n\n")

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    found = []
    for path in sorted((shared_data / "feeds").glob("*.xml")):
        parsed = feedparser.parse(io.BytesIO(path.read_bytes()))
        for entry in parsed.entries:
            content = entry.get("content") or [{}]
            html = content[0].get("value") or entry.get("summary") or ""
            reader = _Text()
            reader.feed(html)
            reader.close()
            found.append((entry.get("title") or "", "".join(reader.parts)))
    return found


def test_real_feeds(shared_data: Path) -> None:
    made = 0
    for title, text in _feed_texts(shared_data):
        summary = summarize(title, text, "ru")
        if summary is not None:
            made += 1
            _audit(summary, text)
    assert made > 300


_WORDS = st.sampled_from(
    "совет НКО грант волонтеры закон проект фонд помощь семьи дети город область "
    "ұйым қоғам еріктілер council grant NGO law 2026 12".split()
)
_SENTENCE = st.builds(
    lambda words, end: " ".join(words).capitalize() + end,
    st.lists(_WORDS, min_size=1, max_size=30),
    st.sampled_from([".", "!", "?", "…", "", ":", " © 2026.", "."]),
)
_TEXT = st.lists(
    st.tuples(_SENTENCE, st.sampled_from([" ", "\n\n", "\n", ""])), min_size=0, max_size=8
).map(lambda parts: "".join(s + sep for s, sep in parts))


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=80), text=_TEXT, language=st.sampled_from(["ru", "kk", "en", ""]))
def test_any_summary_is_whole_sentences(title: str, text: str, language: str) -> None:
    summary = summarize(title, text, language)
    if summary is None:
        return
    assert len(summary) <= MAX_CHARS
    assert ends_sentence(summary)
    sentences = {s.text for s in split_sentences(text)}
    for piece in split_sentences(summary):
        assert piece.text in sentences or piece.text[:-1] in sentences


@settings(max_examples=200, deadline=None)
@given(title=st.text(max_size=100), text=st.text(max_size=600),
       language=st.sampled_from(["ru", "kk", "en", "xx"]))
def test_any_input_gives_a_summary_or_none(title: str, text: str, language: str) -> None:
    summary = summarize(title, text, language)
    assert summary is None or (0 < len(summary) <= MAX_CHARS and ends_sentence(summary))
