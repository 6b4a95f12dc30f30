"""The layout's promises: no import cycle (imports inside functions count), few top-level modules."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import bubbleguard

PACKAGE = Path(bubbleguard.__file__).parent


def _module(path: Path) -> str:
    parts = ["bubbleguard", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    return lines


def import_graph() -> nx.DiGraph:
    """Module → modules it imports at run time (at the top or inside functions)."""
    files = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.lineno in skip:
                continue
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base) if node.level else node.module
            if not target or not target.startswith("bubbleguard"):
                continue
            for alias in node.names:  # `from . import plugins` imports the module bubbleguard.plugins
                sub = f"{target}.{alias.name}"
                graph.add_edge(name, sub if sub in files else target)
    return graph


def test_no_import_cycle() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


def test_top_level_holds_one_concept_modules_only() -> None:
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert len(top) <= 16, top
    stages = {"holdings", "reference", "deals", "scenarios", "planner", "renderers", "cli",
              "integrations", "data", "batch", "locale"}
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == stages


def test_tests_mirror_the_stage_folders() -> None:
    tests = Path(__file__).parent
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= {p.name for p in tests.iterdir() if p.is_dir()}
