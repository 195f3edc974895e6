"""The six topics: fixed ids (contract), their order in digests, and their names in ru, kk, en."""

from __future__ import annotations

from feeds.models import TOPICS

TOPIC_NAMES: dict[str, dict[str, str]] = {
    "ngo_civil_society": {
        "ru": "НКО и гражданское общество",
        "kk": "ҮЕҰ және азаматтық қоғам",
        "en": "NGOs and civil society",
    },
    "public_councils_dialogue": {
        "ru": "Общественные советы и диалог",
        "kk": "Қоғамдық кеңестер және диалог",
        "en": "Public councils and dialogue",
    },
    "social_order_grants": {
        "ru": "Госсоцзаказ и гранты",
        "kk": "Мемлекеттік әлеуметтік тапсырыс және гранттар",
        "en": "State social order and grants",
    },
    "charity_volunteering": {
        "ru": "Благотворительность и волонтёрство",
        "kk": "Қайырымдылық және еріктілік",
        "en": "Charity and volunteering",
    },
    "human_rights": {
        "ru": "Права человека",
        "kk": "Адам құқықтары",
        "en": "Human rights",
    },
    "legislation_public_policy": {
        "ru": "Законы и госполитика",
        "kk": "Заңнама және мемлекеттік саясат",
        "en": "Laws and public policy",
    },
}


def topic_name(topic: str, language: str) -> str:
    """The topic's name in `language` (ru, kk, en), falling back to English, then the id."""
    names = TOPIC_NAMES.get(topic, {})
    return names.get(language) or names.get("en") or topic


def topic_order(topic: str) -> int:
    """Position of a topic in digests; unknown ids go last."""
    return TOPICS.index(topic) if topic in TOPICS else len(TOPICS)
