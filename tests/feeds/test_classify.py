"""The relevance filter: word forms in three languages, false friends, admin terms, odd input."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from feeds.classify import THRESHOLD, Classifier, FilterTerm
from feeds.lexicon_loader import LexiconError, load_bundled, parse_lexicon
from feeds.models import TOPICS, Verdict


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load()


# (title, text, language, expected topic): word forms the lexicon lists in another form.
KEPT = [
    ("Некоммерческим организациям упростят отчётность", "", "ru", "ngo_civil_society"),
    ("НКО региона получили поддержку", "", "", "ngo_civil_society"),
    ("HПO встретились с министром", "", "ru", "ngo_civil_society"),  # Latin H, O look-alikes
    ("Минюст пополнил реестр иноагентов", "", "ru", "ngo_civil_society"),
    ("Минюст признал журналиста иноагентом", "", "ru", "ngo_civil_society"),
    ("Блогера оштрафовали за репост", "", "ru", "human_rights"),
    ("Журналистку объявили в розыск", "", "ru", "human_rights"),
    ("Волонтёры помогли семьям вернуться в свои дома", "", "ru", "charity_volunteering"),
    ("Заседание общественного совета при акимате", "", "ru", "public_councils_dialogue"),
    ("Итоги государственного социального заказа за год", "", "ru", "social_order_grants"),
    ("Волонтёрское движение объединило тысячи жителей", "", "ru", "charity_volunteering"),
    ("Правозащитники потребовали освободить политзаключённых", "", "ru", "human_rights"),
    ("Мажилис одобрил законопроект в первом чтении", "", "ru", "legislation_public_policy"),
    ("Үкіметтік емес ұйымдардың өкілдері жиналды", "", "kk", "ngo_civil_society"),
    ("Облыстық қоғамдық кеңестің отырысы өтті", "", "kk", "public_councils_dialogue"),
    ("Мемлекеттік әлеуметтік тапсырыстың нәтижелері", "", "kk", "social_order_grants"),
    ("Қайырымдылық акциясына еріктілер қатысты", "", "kk", "charity_volunteering"),
    ("Адам құқықтары жөніндегі уәкілдің баяндамасы", "", "kk", "human_rights"),
    ("Ұлттық Құрылтайдың отырысында жаңа бастамалар", "", "", "public_councils_dialogue"),
    ("NGOs urge parliament to drop the bill", "", "en", "ngo_civil_society"),
    ("Public councils hold hearings on the budget", "", "en", "public_councils_dialogue"),
    ("Volunteering and charitable donations grow", "", "en", "charity_volunteering"),
    ("Ombudsman reports on torture in prisons", "", "en", "human_rights"),
    ("Constitutional amendments signed into law", "", "en", "legislation_public_policy"),
]


@pytest.mark.parametrize(("title", "text", "language", "topic"), KEPT)
def test_word_forms_are_kept_with_their_topic(
    classifier: Classifier, title: str, text: str, language: str, topic: str
) -> None:
    verdict = classifier.classify(title, text, language)
    assert verdict.relevant, verdict
    assert topic in verdict.topics
    assert verdict.score >= THRESHOLD
    assert all(word in title + text for word in verdict.matched)


# False friends: civic words in news that is not civic.
DROPPED = [
    ("НПО «Энергомаш» провело огневые испытания ракетного двигателя", ""),
    ("Научно-производственное объединение запустило новый завод", ""),
    ("Инвестиционный фонд вложит миллиард в технопарк", ""),
    ("Пенсионный фонд пересчитал выплаты", ""),
    ("Самрук-Казына отчитался о прибыли", ""),
    ("Образовательные гранты распределят между вузами", "Студенты подадут заявки"),
    ("Учёные получили научные гранты", ""),
    ("Закон всемирного тяготения объяснили школьникам", ""),
    ("Волонтёры нашли потерявшуюся кошку", ""),
    # Someone who went to war as a volunteer: not volunteering.
    ("«Ушел добровольцем». В селе похоронили погибшего на войне", ""),
    ("Общественный транспорт изменит маршруты", ""),
    ("Қоғамдық көлік кестесі өзгерді", ""),
    ("Ерікті зейнетақы жарналарының артықшылығы", ""),
    ("Боксёрам вручили гранты после чемпионата", ""),
    ("Курс доллара вырос на бирже", ""),
    ("Суд вынес приговор по делу о краже", "Обвиняемого задержали в прошлом году"),
    # The regime's word as a label in front of a name: the story is about the person.
    ("Иноагент Иван Петров купил квартиру у моря", ""),
    ("Друга иноагента Петра Сидорова оштрафовали за драку", ""),
    # War reporting citing a rights monitor.
    ("Центр мониторинга прав человека сообщил о наступлении повстанцев", ""),
    ("Мигрантов выдворили за нарушение миграционного законодательства", ""),
    # Journalists as an audience; a journalist without arrest, search or sentence words.
    ("Полиция рассказала журналистам о краже", "Подозреваемого задержали"),
    ("Журналист снял фильм о горах", ""),
]


@pytest.mark.parametrize(("title", "text"), DROPPED)
def test_false_friends_are_dropped(classifier: Classifier, title: str, text: str) -> None:
    assert not classifier.classify(title, text).relevant


def test_title_weighs_more_than_body(classifier: Classifier) -> None:
    in_title = classifier.classify("Волонтеры помогли жителям", "Подробности позже.")
    in_body = classifier.classify("Подробности дня", "Волонтеры помогли жителям.")
    assert in_title.score > in_body.score


def test_disclaimer_in_parentheses_does_not_decide(classifier: Classifier) -> None:
    verdict = classifier.classify(
        "Певец дал концерт в Дубае", "Как сообщает издание (признано иноагентом), зал был полон."
    )
    assert not verdict.relevant


@pytest.mark.parametrize(
    ("title", "text", "language"),
    [("", "", ""), (" \n\t", "", "ru"), ("\u200b\u200d", "\ufeff", ""), ("12345 67", "!!!", "kk"),
     (None, None, None), (42, b"bytes", 3.5), ("\ud800 broken", "x\udfff", "")],
)
def test_odd_input_is_not_relevant_and_never_raises(
    classifier: Classifier, title: object, text: object, language: object
) -> None:
    verdict = classifier.classify(title, text, language)  # type: ignore[arg-type]
    assert not verdict.relevant
    assert verdict.topics == []


def test_huge_input_is_bounded(classifier: Classifier) -> None:
    verdict = classifier.classify("Общественный совет " * 5000, "слово " * 500_000)
    assert verdict.relevant
    assert verdict.matched == ["Общественный совет"]


def test_mixed_language_item(classifier: Classifier) -> None:
    verdict = classifier.classify(
        "Гражданский форум: ҮЕҰ өкілдері and NGOs discussed state social order", ""
    )
    assert verdict.relevant
    assert {"public_councils_dialogue", "ngo_civil_society", "social_order_grants"} <= set(
        verdict.topics
    )


def test_admin_include_term_keeps_an_item() -> None:
    title = "Зоозащитники открыли новый приют"
    assert not Classifier.load().classify(title, "").relevant
    verdict = Classifier.load([FilterTerm("charity_volunteering", "include", "зоозащитник")]).classify(
        title, ""
    )
    assert verdict.relevant
    assert verdict.topics == ["charity_volunteering"]
    assert verdict.matched == ["Зоозащитники"]


def test_admin_exclude_term_drops_its_topic_or_the_item() -> None:
    title = "Благотворительный ужин в гольф-клубе для НКО"
    base = Classifier.load().classify(title, "")
    assert {"charity_volunteering", "ngo_civil_society"} <= set(base.topics)
    one = Classifier.load([FilterTerm("charity_volunteering", "exclude", "гольф")]).classify(title, "")
    assert "charity_volunteering" not in one.topics and one.relevant
    every = Classifier.load([FilterTerm("*", "exclude", "гольф")]).classify(title, "")
    assert not every.relevant


def test_bad_admin_terms_are_ignored() -> None:
    classifier = Classifier.load(
        [FilterTerm("no_such_topic", "include", "слово"), FilterTerm("human_rights", "maybe", "x"),
         FilterTerm("human_rights", "include", "  ")]
    )
    assert not classifier.classify("слово", "").relevant


@pytest.mark.parametrize("cache_limit", [20_000, 3], ids=["cache-kept", "cache-replaced"])
def test_threads_share_the_word_cache_and_get_the_same_verdicts(
    classifier: Classifier, monkeypatch: pytest.MonkeyPatch, cache_limit: int
) -> None:
    # With a limit of 3 forms the shared cache is replaced under the threads' feet all the
    # time: no verdict may change and no thread may fail.
    titles = [title for title, *_ in KEPT] + [title for title, _ in DROPPED]
    expected = [classifier.classify(t, "") for t in titles] * 20
    monkeypatch.setattr("feeds.matching._CACHE_LIMIT", cache_limit)
    fresh = Classifier.load()
    results: dict[int, list[Verdict]] = {}

    def work(n: int) -> None:
        results[n] = [fresh.classify(t, "") for t in titles * 20]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1, 2, 3]
    assert all(result == expected for result in results.values())


def test_bundled_lexicon_covers_every_topic_in_every_language() -> None:
    entries = load_bundled()
    for topic in TOPICS:
        assert {e.language for e in entries if e.topic == topic} == {"ru", "kk", "en"}, topic


@pytest.mark.parametrize(
    "text",
    ['topic = "nope"', 'topic = "human_rights"\n[[group]]\nlang = "de"\nweight = 1\nterms = ["x"]',
     'topic = "human_rights"\n[[group]]\nlang = "ru"\nweight = -1\nterms = ["x"]',
     'topic = "human_rights"\n[[group]]\nlang = "ru"\nweight = 1\nterms = "x"', "not = toml =",
     'topic = "human_rights"\n[[group]]\nlang = "ru"\nweight = 1\nterms = ["x"]\nbefore_name = 2',
     'topic = "human_rights"\n[[group]]\nlang = "ru"\nweight = 1\nterms = ["x"]\n'
     'unless = ["two words"]',
     'topic = "human_rights"\n[[group]]\nlang = "ru"\nweight = 1\nterms = ["x"]\nneeds = "y"'],
)
def test_malformed_lexicon_is_reported(text: str) -> None:
    with pytest.raises(LexiconError, match=r"test\.toml"):
        parse_lexicon(text, "test.toml")


def test_seed_item_is_kept(classifier: Classifier, shared_data: Path) -> None:
    lines = (shared_data / "seed" / "dknews-ngo-coordination-council.txt").read_text(
        encoding="utf-8"
    ).splitlines()
    verdict = classifier.classify(lines[0], "\n".join(lines[1:]), "ru")
    assert verdict.relevant
    assert {"ngo_civil_society", "public_councils_dialogue"} <= set(verdict.topics)
