"""The content checker's report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from miniapp_api.content.check_text import GUESS_MAX, pct


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        overall = self.stats.get("overall", {})
        out = [
            f"Content check: {overall.get('articles', 0)} articles, "
            f"{overall.get('questions', 0)} questions ({overall.get('single', 0)} single, "
            f"{overall.get('multiple', 0)} multiple, {overall.get('true_false', 0)} true/false), "
            f"{overall.get('alerts', 0)} alerts",
            f"Guessing on single choice: always the longest {overall.get('guess_longest_pct', 0)}%"
            f", always a safety word {overall.get('guess_safety_pct', 0)}% "
            f"(max {pct(GUESS_MAX, 1)}%)",
            "Formats: " + _counts(overall.get("formats", {})),
            "Banks:",
        ]
        for name, bank in self.stats.get("banks", {}).items():
            out.append(
                f"  {name}: {bank['questions']} questions "
                f"({bank['single']}/{bank['multiple']}/{bank['true_false']}), "
                f"right is longest {bank['longest_right_pct']}%, ratio {bank['length_ratio']}, "
                f"guess longest {bank['guess_longest_pct']}%, safety {bank['guess_safety_pct']}%, "
                f"wrong options in multiple {_counts(bank['multiple_wrong_mix'])}, "
                f"single answers {_counts(bank['answer_keys'])}"
            )
        out.append("Categories:")
        for slug, category in self.stats.get("categories", {}).items():
            out.append(
                f"  {slug}: {category['articles']} articles ({_counts(category['formats'])}), "
                f"{category['questions']} questions"
            )
        for title, items in (("Errors", self.errors), ("Warnings", self.warnings)):
            out.append(f"{title} ({len(items)}):")
            out.extend(f"  - {item}" for item in items)
        out.append("Result: OK" if self.ok else f"Result: FAILED ({len(self.errors)} errors)")
        return out


def _counts(counter: dict) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(counter.items())) or "-"
