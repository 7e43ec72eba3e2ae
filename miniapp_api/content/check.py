"""The content checker of issue 14 (pure: no Flask, no database).

`check_corpus(content_dir)` reads `articles/`, `quizzes/`, `alerts/` (and `categories.yaml`
and `article_footer.md` when present) and returns a `Report`: `errors` break a hard rule and
name the file (and the question id, where there is one), `warnings` are advice, `stats` hold
the numbers per bank, per category and overall. A bank is one file under `quizzes/`, the bank
of one category, so the per-bank rules are also the per-category rules.

Lengths are counted in characters without white space. "Single choice" is `type: single`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from statistics import mean
from typing import Any

import frontmatter
import yaml

from miniapp_api.content.check_questions import (
    _Article,
    _Question,
    bank_stats,
    check_questions,
)
from miniapp_api.content.check_report import Report
from miniapp_api.content.check_text import (
    CASE_LABEL,
    ELDERLY_AUDIENCES,
    ELDERLY_MEAN_MAX,
    FOOTER_WORDS,
    FORMATS,
    KEY_POINT_CHARS,
    KEY_POINTS_COUNT,
    LONG_SENTENCE,
    chars,
    sentences,
    string_list,
    wrong_spellings,
)

__all__ = ["Report", "check_corpus", "sentences"]


class _Checker:
    def __init__(self, folder: Path):
        self.folder = folder
        self.report = Report()
        self.categories: list[str] = []
        self.articles: dict[str, _Article] = {}
        self.banks: dict[str, list[_Question]] = {}
        self.alerts: Counter = Counter()

    # ---- helpers ---------------------------------------------------------------

    def error(self, message: str) -> None:
        self.report.errors.append(message)

    def warn(self, message: str) -> None:
        self.report.warnings.append(message)

    def name(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    def read_yaml(self, path: Path) -> Any:
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.error(f"{self.name(path)}: cannot read YAML: {exc}")
            return None

    def spelling(self, label: str, *values: Any) -> None:
        wrong = wrong_spellings(*values)
        if wrong:
            self.error(f"{label}: write “App”, not {', '.join(f'“{w}”' for w in wrong)}")

    # ---- reading and per-file rules ------------------------------------------

    def run(self) -> Report:
        self.read_categories()
        for path in sorted((self.folder / "articles").glob("*.md")):
            self.read_article(path)
        for path in sorted((self.folder / "quizzes").glob("*.yaml")):
            self.read_bank(path)
        for path in sorted((self.folder / "alerts").glob("*.yaml")):
            self.read_alert(path)
        footer = self.folder / "article_footer.md"
        if footer.is_file():
            self.spelling(self.name(footer), footer.read_text(encoding="utf-8"))
        check_questions(self.report, self.banks, self.articles)
        self.report.stats = self.statistics()
        return self.report

    def read_categories(self) -> None:
        path = self.folder / "categories.yaml"
        if not path.is_file():
            return
        document = self.read_yaml(path)
        entries = document.get("categories") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            self.error(f"{self.name(path)}: expected a list under `categories`")
            return
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("slug"), str):
                self.categories.append(entry["slug"])
                self.spelling(f"{self.name(path)} ({entry['slug']})", entry.get("description"))

    def known_category(self, label: str, slug: Any) -> None:
        if self.categories and slug not in self.categories:
            self.error(f"{label}: unknown category {slug}")

    def read_article(self, path: Path) -> None:
        name = self.name(path)
        try:
            post = frontmatter.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
            self.error(f"{name}: cannot read the front matter: {exc}")
            return
        meta, body = post.metadata, post.content
        slug = str(meta.get("slug") or path.stem)
        if slug != path.stem:
            self.error(f"{name}: slug {slug} must equal the file name ({path.stem})")
        if slug in self.articles:
            self.error(f"{name}: duplicate slug {slug}")
        self.known_category(name, meta.get("category"))
        form = meta.get("format", "guide")
        if form not in FORMATS:
            self.error(f"{name}: format must be one of {', '.join(FORMATS)}, not {form}")
        elif form == "case" and CASE_LABEL not in body:
            self.error(f"{name}: a `format: case` article must say “{CASE_LABEL}”")
        self.key_points(name, meta)
        self.tags_and_ending(name, meta.get("tags"), body)
        if ELDERLY_AUDIENCES & set(string_list(meta.get("audience"))):
            self.plain_language(name, body)
        self.spelling(
            name, meta.get("title"), meta.get("summary"), meta.get("tags"), meta.get("key_points")
        )
        self.spelling(name, body)
        category = meta.get("category")
        self.articles[slug] = _Article(
            name, slug, category if isinstance(category, str) else None, str(form)
        )

    def tags_and_ending(self, name: str, tags: Any, body: str) -> None:
        if tags is not None and not (
            isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)
        ):
            self.error(f'{name}: tags must be a list of text (quote numbers: "96110")')
        ending = "".join([line for line in body.splitlines() if line.strip()][-3:])
        if all(word in ending for word in FOOTER_WORDS):
            self.warn(
                f"{name}: ends with a hotline list; the app appends article_footer.md, "
                "keep only advice specific to this scam"
            )

    def key_points(self, name: str, meta: dict) -> None:
        if "key_points" not in meta:
            self.warn(f"{name}: no key_points")
            return
        points = meta["key_points"]
        low, high = KEY_POINTS_COUNT
        if not isinstance(points, list) or not low <= len(points) <= high:
            self.error(f"{name}: key_points must be a list of {low} to {high} sentences")
            return
        short, long_ = KEY_POINT_CHARS
        for index, point in enumerate(points, 1):
            size = chars(point) if isinstance(point, str) else 0
            if not short <= size <= long_:
                self.error(
                    f"{name}: key_points[{index}] has {size} characters "
                    f"(allowed {short}-{long_}): {point}"
                )

    def plain_language(self, name: str, body: str) -> None:
        found = sentences(body)
        if not found:
            return
        average = mean(chars(sentence) for sentence in found)
        if average > ELDERLY_MEAN_MAX:
            self.error(
                f"{name}: for elderly readers the mean sentence length must be at most "
                f"{ELDERLY_MEAN_MAX} characters, it is {average:.1f}"
            )
        long_ = [sentence for sentence in found if chars(sentence) > LONG_SENTENCE]
        if long_:
            shown = "; ".join(f"“{s[:16]}…” ({chars(s)})" for s in long_)
            self.warn(
                f"{name}: {len(long_)} sentences over {LONG_SENTENCE} characters "
                f"for elderly readers: {shown}"
            )

    def read_bank(self, path: Path) -> None:
        name = self.name(path)
        document = self.read_yaml(path)
        if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
            if document is not None:
                self.error(f"{name}: expected a list under `questions`")
            return
        category = str(document.get("category") or path.stem)
        self.known_category(name, category)
        questions = self.banks.setdefault(path.stem, [])
        for index, entry in enumerate(document["questions"]):
            if not isinstance(entry, dict):
                self.error(f"{name} (questions[{index}]): expected a mapping")
                continue
            options = tuple(
                (str(option.get("key")), str(option.get("text") or "").strip())
                for option in entry.get("options") or []
                if isinstance(option, dict)
            )
            article = entry.get("article")
            questions.append(
                _Question(
                    file=name,
                    category=category,
                    id=str(entry.get("id") or f"questions[{index}]"),
                    type=str(entry.get("type")),
                    stem=str(entry.get("stem") or "").strip(),
                    options=options,
                    answer=tuple(str(key) for key in string_list(entry.get("answer"))),
                    article=article if isinstance(article, str) else None,
                )
            )
            self.spelling(
                f"{name} ({questions[-1].id})",
                entry.get("stem"),
                [text for _, text in options],
                entry.get("explanation"),
            )

    def read_alert(self, path: Path) -> None:
        name = self.name(path)
        document = self.read_yaml(path)
        if not isinstance(document, dict):
            if document is not None:
                self.error(f"{name}: expected a mapping")
            return
        kind = document.get("kind")
        self.alerts[str(kind)] += 1
        if kind == "trend" and not str(document.get("source") or "").strip():
            self.error(f"{name}: a trend alert must name its `source`")
        self.spelling(
            name,
            *(document.get(key) for key in ("title", "summary", "body", "source", "highlights")),
        )

    # ---- numbers -------------------------------------------------------------------

    def statistics(self) -> dict[str, Any]:
        everything = [q for questions in self.banks.values() for q in questions]
        overall = bank_stats(everything)
        del overall["category"]
        overall |= {
            "articles": len(self.articles),
            "alerts": sum(self.alerts.values()),
            "alert_kinds": dict(self.alerts),
            "formats": dict(Counter(article.format for article in self.articles.values())),
        }
        slugs = list(
            dict.fromkeys(
                [
                    *self.categories,
                    *(a.category for a in self.articles.values() if a.category),
                    *(q.category for q in everything),
                ]
            )
        )
        categories = {}
        for slug in slugs:
            articles = [a for a in self.articles.values() if a.category == slug]
            questions = [q for q in everything if q.category == slug]
            types = Counter(q.type for q in questions)
            categories[slug] = {
                "articles": len(articles),
                "formats": dict(Counter(a.format for a in articles)),
                "questions": len(questions),
                "single": types["single"],
                "multiple": types["multiple"],
                "true_false": types["true_false"],
            }
        banks = {name: bank_stats(questions) for name, questions in self.banks.items()}
        return {"overall": overall, "banks": banks, "categories": categories}


def check_corpus(content_dir: Path) -> Report:
    """Check every content file under `content_dir` against the rules of issue 14."""
    return _Checker(Path(content_dir)).run()
