"""Reading and validating the files under `content/` (no Flask, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marshmallow as ma
import yaml
from marshmallow import fields, validate

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="只能包含小写字母、数字和连字符")
RISK_GROUPS = (
    "students",
    "elderly",
    "young_adults",
    "women",
    "men",
    "job_seekers",
    "online_shoppers",
    "gamers",
    "investors",
    "finance_staff",
    "business_owners",
    "parents",
    "retirees",
    "borrowers",
)


class ContentError(ValueError):
    """A content file is invalid; the message names the file and the field."""

    def __init__(self, path: Path | str, field: str, problem: str):
        super().__init__(f"{path}: {field}: {problem}")
        self.path, self.field, self.problem = str(path), field, problem


class CategoryFileSchema(ma.Schema):
    slug = fields.String(required=True, validate=[validate.Length(max=64), SLUG])
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    description = fields.String(required=True, validate=validate.Length(min=20, max=1000))
    risk_groups = fields.List(
        fields.String(validate=validate.OneOf(RISK_GROUPS)),
        required=True,
        validate=validate.Length(min=1),
    )
    sort_order = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 10_000))


@dataclass(frozen=True)
class CategoryData:
    slug: str
    name: str
    description: str
    risk_groups: tuple[str, ...]
    sort_order: int


def _first_error(messages: Any, prefix: str) -> tuple[str, str]:
    """Flatten marshmallow's nested messages to (dotted field, first message)."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        return _first_error(value, f"{prefix}.{key}" if prefix else str(key))
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], prefix)
    return prefix, str(messages)


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(path, "-", f"cannot read YAML: {exc}") from exc


def load_categories(path: Path) -> list[CategoryData]:
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("categories"), list):
        raise ContentError(path, "categories", "expected a list under the key `categories`")
    schema = CategoryFileSchema()
    seen: set[str] = set()
    result = []
    for index, entry in enumerate(document["categories"]):
        try:
            item = schema.load(entry if isinstance(entry, dict) else {})
        except ma.ValidationError as exc:
            field, problem = _first_error(exc.messages, "")
            raise ContentError(path, f"categories[{index}].{field}", problem) from exc
        if item["slug"] in seen:
            raise ContentError(path, f"categories[{index}].slug", f"duplicate {item['slug']}")
        seen.add(item["slug"])
        result.append(
            CategoryData(
                slug=item["slug"],
                name=item["name"],
                description=item["description"].strip(),
                risk_groups=tuple(item["risk_groups"]),
                sort_order=item["sort_order"],
            )
        )
    return result
