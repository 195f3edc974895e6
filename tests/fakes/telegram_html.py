"""Telegram's `parse_mode=HTML`, as the fake Bot API applies it.

`parse_html(text)` turns Bot API HTML into the plain text and the entities Telegram would store,
or raises `HtmlParseError` with the description the real server gives (after the
"Bad Request: can't parse entities: " prefix). It follows tdlib's parser (MessageEntity.cpp):
only the tags of the formatting options, balanced, attribute values quoted or bare, the four
named entities `&lt; &gt; &amp; &quot;` plus numeric ones. It is deliberately one step stricter
than Telegram in one place: an `&` that does not start a valid entity is an error (Telegram keeps
it literally), because it always means a renderer forgot to escape feed text.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# tag name -> entity type; `span` and `a`, `code`, `tg-emoji`, `blockquote` need attributes.
SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "pre": "pre",
    "code": "code",
}
ATTRIBUTE_TAGS = {"a", "span", "tg-emoji", "tg-time", "blockquote"}

_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9_-]*)")


class HtmlParseError(ValueError):
    """Invalid Bot API HTML; `str(error)` is Telegram's wording after the common prefix."""


@dataclass
class _Open:
    tag: str
    entity: dict[str, Any]
    start: int  # UTF-16 offset in the output text
    byte_offset: int
    attributes: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit of Bot API entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    match = _ENTITY.match(text, i)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = NAMED_ENTITIES.get(name)
        if char is None:
            return None
        return char, match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _parse_attributes(text: str, i: int, tag: str, tag_start: int) -> tuple[dict[str, str], int]:
    """Read `name="value"` pairs up to the closing `>`; returns them and the index after `>`."""
    attributes: dict[str, str] = {}
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise HtmlParseError(
                f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}"
            )
        if text[i] == ">":
            return attributes, i + 1
        match = _ATTR.match(text, i)
        if match is None:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, i)}'
            )
        name = match.group(1).lower()
        i = match.end()
        if i < len(text) and text[i] in " >":
            attributes[name] = ""  # a bare attribute such as <blockquote expandable>
            continue
        if i >= len(text) or text[i] != "=":
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(text, tag_start)}"
            )
        i += 1
        value, i = _attribute_value(text, i, tag_start)
        attributes[name] = value


def _attribute_value(text: str, i: int, tag_start: int) -> tuple[str, int]:
    if i >= len(text):
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}")
    quote = text[i]
    if quote in "'\"":
        end = text.find(quote, i + 1)
        if end < 0:
            raise HtmlParseError(
                f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}"
            )
        return _unescape_attribute(text[i + 1 : end], text, tag_start), end + 1
    end = i
    while end < len(text) and not text[end].isspace() and text[end] != ">":
        end += 1
    return _unescape_attribute(text[i:end], text, tag_start), end


def _unescape_attribute(raw: str, text: str, tag_start: int) -> str:
    out: list[str] = []
    j = 0
    while j < len(raw):
        if raw[j] == "&":
            decoded = _decode_entity(raw, j)
            if decoded is None:
                raise HtmlParseError(
                    "Character '&' is reserved and must be escaped as &amp; "
                    f"in an attribute at byte offset {_byte_offset(text, tag_start)}"
                )
            out.append(decoded[0])
            j = decoded[1]
        else:
            out.append(raw[j])
            j += 1
    return "".join(out)


def _entity_for(tag: str, attributes: dict[str, str], text: str, tag_start: int) -> dict[str, Any]:
    if tag in SIMPLE_TAGS:
        return {"type": SIMPLE_TAGS[tag]}
    if tag == "a":
        href = attributes.get("href", "")
        if href.startswith("tg://user?id="):
            return {"type": "text_mention", "user": {"id": int(href.split("=", 1)[1] or 0)}}
        return {"type": "text_link", "url": href}
    if tag == "span":
        if attributes.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, tag_start)}'
            )
        return {"type": "spoiler"}
    if tag == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": attributes.get("emoji-id", "")}
    if tag == "tg-time":
        return {"type": "date_time", "unix_time": int(attributes.get("unix", "0") or 0)}
    expandable = "expandable" in attributes
    return {"type": "expandable_blockquote" if expandable else "blockquote"}


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for Bot API HTML `text`; raises HtmlParseError when invalid."""
    out: list[str] = []
    out_len = 0  # UTF-16 units written so far
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                raise HtmlParseError(
                    "Character '&' is reserved and must be escaped as &amp; "
                    f"at byte offset {_byte_offset(text, i)}"
                )
            out.append(decoded[0])
            out_len += utf16_len(decoded[0])
            i = decoded[1]
            continue
        if char != "<":
            out.append(char)
            out_len += utf16_len(char)
            i += 1
            continue
        tag_start = i
        if text.startswith("</", i):
            i = _close_tag(text, i, stack, entities, out_len)
            continue
        name = _TAG_NAME.match(text, i + 1)
        if name is None:
            raise HtmlParseError(f'Unsupported start tag "" at byte offset {_byte_offset(text, i)}')
        tag = name.group(0).lower()
        if tag not in SIMPLE_TAGS and tag not in ATTRIBUTE_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, tag_start)}'
            )
        attributes, i = _parse_attributes(text, name.end(), tag, tag_start)
        entity = _entity_for(tag, attributes, text, tag_start)
        if tag == "code" and stack and stack[-1].tag == "pre" and "class" in attributes:
            language = attributes["class"].removeprefix("language-")
            stack[-1].entity["language"] = language
        stack.append(_Open(tag, entity, out_len, _byte_offset(text, tag_start), attributes))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_tag(
    text: str, i: int, stack: list[_Open], entities: list[dict[str, Any]], out_len: int
) -> int:
    end = text.find(">", i)
    if end < 0:
        raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(text, i)}")
    tag = text[i + 2 : end].strip().lower()
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
    opened = stack.pop()
    if tag != opened.tag:
        raise HtmlParseError(
            f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
            f'expected "</{opened.tag}>", found "</{tag}>"'
        )
    length = out_len - opened.start
    in_pre_with_language = (
        opened.tag == "code" and "class" in opened.attributes and stack and stack[-1].tag == "pre"
    )
    if length > 0 and not in_pre_with_language:
        entities.append({**opened.entity, "offset": opened.start, "length": length})
    return end + 1
