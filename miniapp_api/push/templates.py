"""Subscription message templates: one per use, configured rather than hard-coded, and
WeChat's rules for the values of each field type.

A template is a key (`warning`, `new_article`, …), the id WeChat gave it when it was
applied for in the console, its fields (WeChat names each field by its type and a
number, e.g. `thing1`, `time2`) and the mini-program page the card opens. Development
and tests use placeholder ids; settings override any part (`WECHAT_TEMPLATE_<KEY>` for
the id, `WECHAT_TEMPLATES` as JSON for fields and pages).

`fit(kind, value)` makes a value acceptable to WeChat (subscribeMessage.send answers
47003 otherwise): a `thing` at most 20 characters, `phrase` at most 5 Chinese
characters, `character_string` at most 32 letters, digits and symbols, `number` at most
32 digits, `letter` at most 32 letters, `name` at most 10 Chinese characters (or 20
letters), `time` as `YYYY年M月D日 HH:MM`, `date` as `YYYY年M月D日`, `amount` a currency
sign and at most 10 digits. No Flask here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from miniapp_api.push_settings import TEMPLATE_KEYS

KEYS = TEMPLATE_KEYS

# field name -> WeChat type; the type is the name without its trailing number.
DEFAULTS: dict[str, dict[str, Any]] = {
    "warning": {
        "fields": ["thing1", "thing2", "time3"],  # title, summary, published
        "page": "pages/alerts/detail",
    },
    "new_article": {
        "fields": ["thing1", "thing2", "time3"],  # title, fraud type, published
        "page": "pages/articles/detail",
    },
    "application_decided": {
        "fields": ["thing1", "phrase2", "thing3", "time4"],  # zone, result, note, decided
        "page": "pages/promoter/apply",
    },
    "reward_ready": {
        "fields": ["thing1", "character_string2", "thing3", "time4"],  # reward, code, where
        "page": "pages/rewards/mine",
    },
    "event_reminder": {
        "fields": ["thing1", "time2", "thing3"],  # title, starts, place
        "page": "pages/events/detail",
    },
}

THING, PHRASE, NAME = 20, 5, 10
SHORT_STRING = 32
_TYPE = re.compile(r"^([a-z_]+?)\d*$")
_ASCII_SYMBOLS = re.compile(r"[^\x21-\x7e]")
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]")
_NOT_DIGIT = re.compile(r"[^0-9.]")
_NOT_LETTER = re.compile(r"[^A-Za-z]")


@dataclass(frozen=True)
class Template:
    key: str
    template_id: str
    fields: tuple[str, ...]
    page: str
    long_term: bool = False

    def data(self, values: Mapping[str, Any]) -> dict[str, str]:
        """The message's `data`: every field fitted to its type (missing ones: "-")."""
        return {name: fit(type_of(name), values.get(name, "-")) for name in self.fields}


def type_of(field_name: str) -> str:
    match = _TYPE.match(field_name)
    if not match:
        raise ValueError(f"not a WeChat template field name: {field_name!r}")
    return match.group(1)


def load(ids: Mapping[str, str | None], overrides: Mapping[str, Any]) -> dict[str, Template]:
    """Every key's template: placeholders, then `ids` (WECHAT_TEMPLATE_<KEY>), then
    `overrides` (WECHAT_TEMPLATES: {key: {template_id?, fields?, page?, long_term?}})."""
    if not isinstance(overrides, Mapping) or not all(
        isinstance(spec, Mapping) for spec in overrides.values()
    ):
        raise ValueError("WECHAT_TEMPLATES must be a JSON object of objects")
    unknown = set(overrides) - set(KEYS)
    if unknown:
        raise ValueError(f"unknown template keys: {sorted(unknown)}")
    templates = {}
    for key in KEYS:
        spec = {**DEFAULTS[key], "template_id": ids.get(key) or f"dev-template-{key}"}
        spec.update(overrides.get(key) or {})
        for name in spec["fields"]:
            type_of(name)
        templates[key] = Template(
            key,
            str(spec["template_id"]),
            tuple(spec["fields"]),
            str(spec["page"]),
            bool(spec.get("long_term", False)),
        )
    if len({t.template_id for t in templates.values()}) != len(templates):
        raise ValueError("two template keys share one template id")
    return templates


def fit(kind: str, value: Any) -> str:
    """`value` shaped to WeChat's rule for the field type `kind`."""
    if isinstance(value, datetime) and kind in ("time", "date"):
        text = f"{value.year}年{value.month}月{value.day}日"
        return f"{text} {value:%H:%M}" if kind == "time" else text
    if isinstance(value, date) and kind in ("time", "date"):
        return f"{value.year}年{value.month}月{value.day}日"
    text = " ".join(str(value).split())
    fitter = _FITTERS.get(kind)
    return fitter(text) if fitter else _cut(text, THING)


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _han(text: str, limit: int, fallback: str) -> str:
    han = _NOT_HAN.sub("", text)[:limit]
    return han or fallback


def _name(text: str) -> str:
    if _NOT_LETTER.sub("", text.replace(" ", "")) == text.replace(" ", "") and text:
        return text[:20]
    return _han(text, NAME, "用户")


_FITTERS = {
    "thing": lambda text: _cut(text, THING) or "-",
    "phrase": lambda text: _han(text, PHRASE, "通知"),
    "character_string": lambda text: _ASCII_SYMBOLS.sub("", text)[:SHORT_STRING] or "-",
    "number": lambda text: _NOT_DIGIT.sub("", text)[:SHORT_STRING] or "0",
    "letter": lambda text: _NOT_LETTER.sub("", text)[:SHORT_STRING] or "A",
    "symbol": lambda text: _cut(text, 5),
    "name": _name,
    "amount": lambda text: "¥" + (_NOT_DIGIT.sub("", text)[:10] or "0"),
    "time": lambda text: text,
    "date": lambda text: text,
}
