"""Stories: is this item news of an event another item already reported?

Pure near-duplicate detection; the archive (feeds/archive/stories.py) stores the result.
Each item gets a fingerprint: the content-word stems of its headline, and of its headline
with the lead (the first words of its text). Two items are one story when their
fingerprints overlap enough (Jaccard) *and* the overlap is not only the vocabulary every
item of that kind shares: two meetings of two public councils share «общественный совет
заседание обсудить министерство», and that alone must not merge them. So the words of
`GENERIC_WORDS` count for the overall overlap but not for the specific one.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache

from feeds import boilerplate
from feeds.sentences import paragraphs
from feeds.stopwords import content_stems
from feeds.textnorm import stem, tokenize

STORY_WINDOW_SECONDS = 48 * 3600
"""Items further apart than this are never one story."""
LEAD_WORDS = 40
"""How many content words of the text, after the headline's, make the lead."""

SAME_STORY_OVERLAP = 0.25  # Jaccard of headline and lead, all content words
SAME_STORY_SPECIFIC = 0.2  # Jaccard of headline and lead, generic words left out
SAME_STORY_CERTAIN = 0.5  # this much overall overlap is one story whatever the words
DUPLICATE_OVERLAP = 0.8  # one source's items merge only when they are near-copies
INDEX_TERMS = 24
"""Words per item in the story word index: enough to find a twin, few enough to keep
each lookup to a couple of dozen postings lists."""

# The vocabulary of civic and official news: shared by items about different events, so
# it proves nothing about two items being the same event.
GENERIC_WORDS: tuple[str, ...] = tuple(
    """
    общественный совет заседание встреча обсудить обсуждение обсудили рассмотреть вопрос
    вопросы министерство министр министерства ведомство член члены участник участники
    представитель представители государственный орган органы организация организации
    некоммерческий неправительственный нпо нко гражданский общество казахстан казахстана
    республика рк астана алматы шымкент область областной город городской район акимат
    аким глава председатель правительство парламент мажилис сенат депутат депутаты закон
    законопроект проект программа работа развитие поддержка сфера рамках состояться
    состоялось пройти прошло провести провел проведение принять приняли участие новый
    заявить сказать отметить подчеркнуть сообщить рассказать мероприятие форум
    соцзаказ социальный грант гранты фонд благотворительный волонтер волонтеры
    қоғамдық кеңес отырыс жиын кездесу талқылау министрлік министр мүше мүшелер өкіл
    өкілдер мемлекеттік орган ұйым ұйымдар үкіметтік емес азаматтық қоғам қазақстан
    республикасы астана алматы облыс қала аудан әкімдік әкім төраға үкімет парламент
    мәжіліс сенат депутат заң жоба бағдарлама жұмыс даму қолдау аясында өтті өткізді
    public council meeting discuss discussed ministry minister member members
    representative representatives state government body organization organizations ngo
    ngos civil society kazakhstan republic astana almaty region city akimat akim chairman
    parliament mazhilis senate deputy law bill project program work development support
    held hold take part participants forum event grant grants fund charity volunteers
    """.split()
)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The words two items are compared by."""

    title: frozenset[str]  # content-word stems of the headline
    words: frozenset[str]  # of the headline and the lead
    # Derived once, where the fingerprint is made (a worker process, in large polls): an
    # item is compared with up to twenty others, and the store transaction, which a
    # poll's feeds take one at a time, only reads these.
    narrow: frozenset[str] = field(init=False, repr=False, compare=False)
    """`words` without the generic vocabulary (`specific`)."""
    numbers: frozenset[str] = field(init=False, repr=False, compare=False)
    """The figures of the headline."""
    terms: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """The words the story word index finds the item by (`index_terms`)."""
    encoded: tuple[str, str] = field(init=False, repr=False, compare=False)
    """The fingerprint as the archive keeps it (`encode`)."""

    def __post_init__(self) -> None:
        narrow = specific(self.words)
        object.__setattr__(self, "narrow", narrow)
        object.__setattr__(self, "numbers", frozenset(filter(str.isdecimal, self.title)))
        object.__setattr__(self, "terms",
                           tuple(_index_terms(narrow & self.title, narrow - self.title)))
        object.__setattr__(self, "encoded", (" ".join(sorted(self.title)),
                                             " ".join(sorted(self.words - self.title))))

    def encode(self) -> tuple[str, str]:
        """(headline stems, lead-only stems), space-separated, for the archive."""
        return self.encoded

    @classmethod
    def decode(cls, title: str, lead: str) -> Fingerprint:
        title_set = frozenset(title.split())
        return cls(title=title_set, words=title_set | frozenset(lead.split()))


@cache
def _generic_stems() -> frozenset[str]:
    found: set[str] = set()
    for word in GENERIC_WORDS:
        for token in tokenize(word):
            found.update((token, stem(token), stem(token, "kk")))
    return frozenset(found)


def _lead(text: str) -> str:
    """The first paragraphs of `text`, without their dateline, enough for `LEAD_WORDS`."""
    rules = boilerplate.load()
    kept: list[str] = []
    size = 0
    for paragraph in paragraphs(text):
        if rules.starts_footer(paragraph):
            break
        kept.append(rules.strip_leads(paragraph))
        size += len(paragraph.split())
        if size >= LEAD_WORDS * 2:
            break
    return " ".join(kept)


def fingerprint(title: str, text: str, language: str = "",
                known: dict[str, str] | None = None) -> Fingerprint:
    """The fingerprint of one item from its headline and text (`known`: the stems of its
    words already at hand, see `stopwords.content_stems`)."""
    title_stems = frozenset(content_stems(title, language, known))
    lead = content_stems(_lead(text), language, known)[:LEAD_WORDS]
    return Fingerprint(title=title_stems, words=title_stems | frozenset(lead))


def specific(words: frozenset[str]) -> frozenset[str]:
    """`words` without the generic vocabulary of civic news."""
    return words - _generic_stems()


def index_terms(fp: Fingerprint) -> list[str]:
    """The words an item is found by when a new item looks for its twins: its specific
    words without figures (years and counts are everywhere), the headline's first, then
    the lead's longest (long stems are the rarer ones), at most `INDEX_TERMS`."""
    return list(fp.terms)


def stored_index_terms(title: str, lead: str) -> list[str]:
    """`index_terms` of a fingerprint as the archive keeps it (`Fingerprint.encode`), read
    without building the fingerprint: the word index is made from these on loading a day."""
    generic = _generic_stems()
    return _index_terms([word for word in title.split() if word not in generic],
                        [word for word in lead.split() if word not in generic])


def _index_terms(headline: Iterable[str], lead: Iterable[str]) -> list[str]:
    """`index_terms` from the specific words of the headline and those of the lead only."""
    first = sorted(word for word in headline if not word.isdigit())
    rest = sorted((word for word in lead if not word.isdigit()), key=lambda w: (-len(w), w))
    return (first + rest)[:INDEX_TERMS]


def _overlap(a: Fingerprint, words: Collection[str], specific_count: int,
             numbers: frozenset[str], same_source: bool) -> float | None:
    """`story_overlap` of `a` and an item known by its `words`, how many of them are not
    generic, and its headline's figures: what `Member` keeps of a fingerprint. The
    Jaccard overlaps come from intersection sizes alone (|A ∪ B| = |A| + |B| - |A ∩ B|),
    and `a.narrow` holds no generic word, so `a.narrow ∩ words` is the specific overlap."""
    if a.numbers and numbers and not a.numbers & numbers:
        return None  # both headlines carry figures and share none: two daily reports
    shared = len(a.words.intersection(words))
    overall = _ratio(shared, len(a.words), len(words))
    if same_source:
        return overall if overall >= DUPLICATE_OVERLAP else None
    if overall >= SAME_STORY_CERTAIN:
        return overall
    if overall < SAME_STORY_OVERLAP:
        return None
    narrow = _ratio(len(a.narrow.intersection(words)), len(a.narrow), specific_count)
    return overall if narrow >= SAME_STORY_SPECIFIC else None


def _ratio(shared: int, size_a: int, size_b: int) -> float:
    """Jaccard overlap of two sets from their sizes and their intersection's; 0 if one is empty."""
    if not size_a or not size_b:
        return 0.0
    return shared / (size_a + size_b - shared)


def similarity(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """(overall, specific) Jaccard overlap of two fingerprints, each 0..1."""
    return (_ratio(len(a.words & b.words), len(a.words), len(b.words)),
            _ratio(len(a.narrow & b.narrow), len(a.narrow), len(b.narrow)))


def story_overlap(a: Fingerprint, b: Fingerprint, *, same_source: bool = False) -> float | None:
    """The overall overlap of `a` and `b` when they report one event, else None.

    Items of one source must be near-copies; figures in both headlines must agree.
    """
    return _overlap(a, b.words, len(b.narrow), b.numbers, same_source)


def same_story(a: Fingerprint, b: Fingerprint, *, same_source: bool = False) -> bool:
    """True when `a` and `b` report one event. Items of one source must be near-copies."""
    return story_overlap(a, b, same_source=same_source) is not None


@dataclass(frozen=True, slots=True)
class Member:
    """An item already in a story, as story matching sees it: of its fingerprint only what a
    comparison reads, its words as one tuple of interned strings. Many are held at once
    (feeds/archive/story_index.py), and a tuple is a tenth of a set's size."""

    item_id: int
    story_id: int
    source_id: int
    published_at: float
    words: tuple[str, ...]  # the fingerprint's words, headline and lead
    specific_count: int  # how many of them are not generic
    numbers: frozenset[str]  # the figures of the headline

    @classmethod
    def of(cls, item_id: int, story_id: int, source_id: int, published_at: float,
           fp: Fingerprint) -> Member:
        return cls(item_id, story_id, source_id, published_at,
                   tuple(map(sys.intern, fp.words)), len(fp.narrow), fp.numbers)

    @classmethod
    def decode(cls, item_id: int, story_id: int, source_id: int, published_at: float,
               title: str, lead: str) -> Member:
        """The member from its fingerprint as the archive keeps it (`Fingerprint.encode`:
        the headline's words and the lead's others, each sorted, without repeats)."""
        headline = title.split()
        words = tuple(map(sys.intern, headline + lead.split()))
        generic = _generic_stems()
        return cls(item_id, story_id, source_id, published_at, words,
                   sum(1 for word in words if word not in generic),
                   frozenset(filter(str.isdecimal, headline)))


def best_story(fp: Fingerprint, source_id: int, published_at: float,
               members: Iterable[Member]) -> int | None:
    """The story of the member most similar to the item (`fp`, its source and time) among
    those published within `STORY_WINDOW_SECONDS` of it that report the same event; None
    when there is none and the item starts a story of its own."""
    best: tuple[float, int] | None = None
    for member in members:
        if abs(member.published_at - published_at) > STORY_WINDOW_SECONDS:
            continue
        overlap = _overlap(fp, member.words, member.specific_count, member.numbers,
                           member.source_id == source_id)
        if overlap is not None and (best is None or overlap > best[0]):
            best = (overlap, member.story_id)
    return None if best is None else best[1]
