"""The package's shape, checked from its source: the import graph between domains has no
cycle and no arrow from a source of truth to what follows it, shared modules know no
domain, every module stays small, and only the unit of work commits."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "miniapp_api"
# Composition roots: they import every domain on purpose.
ROOTS = {"miniapp_api", "miniapp_api.wiring", "miniapp_api.cli"}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40
LONG_FUNCTION_NOTE = "Longer than usual because"
# Sources of truth and what they may import (besides the shared modules): the audit log
# is written by every administrative use case, so anything may import it.
SOURCES_OF_TRUTH = {
    "users": {"categories", "audit"},
    "points": {"users", "audit"},
    "audit": set(),
}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def domain_of(module: str) -> str | None:
    """`miniapp_api.zones.enrollment` -> "zones"; shared modules and roots -> None."""
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return None


def imports_of(path: Path) -> set[str]:
    """Every `miniapp_api…` module the file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    known = modules()
    return {name for name in found if name in known}


def domain_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules().items():
        source = domain_of(module)
        if source is None or module in ROOTS:
            continue
        for target in imports_of(path):
            target_domain = domain_of(target)
            if target_domain is not None and target_domain != source:
                graph[source].add(target_domain)
    return graph


def test_the_domains_import_each_other_without_a_cycle():
    graph = domain_graph()
    seen: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = "open"
        for target in sorted(graph.get(node, ())):
            if seen.get(target) == "open":
                cycle = [*trail[trail.index(target) :], target] if target in trail else trail
                pytest.fail(f"import cycle between domains: {' -> '.join(cycle)}")
            if target not in seen:
                visit(target, [*trail, target])
        seen[node] = "done"

    for node in sorted(graph):
        if node not in seen:
            visit(node, [node])


def test_sources_of_truth_import_no_domain_that_follows_them():
    graph = domain_graph()
    for source, allowed in SOURCES_OF_TRUTH.items():
        assert graph.get(source, set()) <= allowed, (source, graph.get(source))


def test_shared_modules_know_no_domain():
    for module, path in modules().items():
        if domain_of(module) is not None or module in ROOTS:
            continue
        domains = {domain_of(target) for target in imports_of(path)} - {None}
        assert not domains, f"{module} imports the domains {sorted(domains)}"


def test_extensions_import_nothing_from_the_app():
    assert imports_of(PACKAGE / "extensions.py") == set()


def test_every_module_is_short():
    long = {
        name: count
        for name, path in modules().items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_long_functions_say_why():
    unexplained = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES and LONG_FUNCTION_NOTE not in (
                ast.get_docstring(node) or ""
            ):
                unexplained.append(f"{name}.{node.name} ({length} lines)")
    assert not unexplained, f"functions over {MAX_FUNCTION_LINES} lines: {unexplained}"


def test_only_the_unit_of_work_commits_or_rolls_back():
    pattern = re.compile(r"session\.(commit|rollback)\(\)")
    offenders = [
        name
        for name, path in modules().items()
        if name != "miniapp_api.storage" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders


ROUTE_MAY_IMPORT = {"service", "admin_service", "schemas", "admin_schemas", "models"}


def _domain_imports(path: Path) -> list[str]:
    """The domain modules a file imports, as `package.module` names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if domain_of(node.module) is None:
                continue
            if node.module.count(".") == 1:  # from miniapp_api.zones import service
                found += [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
    return found


def test_routes_call_only_services():
    """A view parses, calls one use case and returns it: route modules reach a domain only
    through its `service`/`admin_service` (and its schemas, and its models' constants)."""
    offenders = [
        f"{name} imports {target}"
        for name, path in modules().items()
        if name.rsplit(".", 1)[-1] in ("routes", "admin_routes") and domain_of(name)
        for target in _domain_imports(path)
        if target.rsplit(".", 1)[-1] not in ROUTE_MAY_IMPORT
    ]
    assert not offenders, offenders
