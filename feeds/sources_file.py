"""The bundled list of default feeds (feeds/sources.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class DefaultSource:
    url: str
    title: str
    site_url: str
    language: str
    confirmed: str = ""


def load_default_sources() -> list[DefaultSource]:
    """The feeds a new archive starts with, in the file's order."""
    text = resources.files("feeds").joinpath("sources.toml").read_text(encoding="utf-8")
    return [DefaultSource(**entry) for entry in tomllib.loads(text)["source"]]
