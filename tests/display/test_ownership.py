"""The display layer owns its figures: nobody else draws one or reaches into its private modules.

Why a static scan: a second implementation of a figure (or of a part of one, such as the
operating-point markers) next to the display layer's own drifts from it silently; a test on
the numbers catches the drift only for the inputs it tries.  The scan forbids the two ways
such copies start, over all the code (not the tests):

* importing a private module or name (``_name``) from another package, e.g.
  ``core.evaluation.display._style`` from ``dashboard/``: a package's private parts are free
  to change, so only its public names may be used from outside;
* building a plotly figure in the UI (``dashboard/``, ``pages/``, ``app.py``): trace
  constructors, ``add_*`` / ``update_*`` calls and ``make_subplots`` belong in
  ``core/evaluation/display``; the UI only caches, refreshes and shows figures.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CODE_DIRS = ("core", "dashboard", "pages", "models", "benchmarks")
UI_SOURCES = sorted([REPO / "app.py", *REPO.glob("pages/**/*.py"),
                     *REPO.glob("dashboard/**/*.py")])
#: plotly figure methods that draw: the UI may call none of them.
DRAWING_METHODS = frozenset({
    "add_trace", "add_traces", "add_scatter", "add_bar", "add_heatmap", "add_histogram",
    "add_shape", "add_annotation", "add_vline", "add_hline", "add_vrect", "add_hrect",
    "add_layout_image", "update_layout", "update_xaxes", "update_yaxes", "update_traces",
    "update_annotations", "update_shapes", "for_each_trace", "set_subplots",
})


def _code_files() -> list[Path]:
    files = [REPO / "app.py"] if (REPO / "app.py").exists() else []
    for folder in CODE_DIRS:
        files += sorted((REPO / folder).rglob("*.py"))
    return files


def _package(path: Path) -> list[str]:
    return list(path.relative_to(REPO).with_suffix("").parts[:-1])


def _imported(node: ast.AST, path: Path) -> list[str]:
    """Dotted names an import statement reaches, relative imports resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module.split(".") if node.module else []
    if node.level:
        base = _package(path)[:len(_package(path)) - node.level + 1] + base
    module = ".".join(base)
    return [module] + [f"{module}.{alias.name}" for alias in node.names]


def _private_owner(dotted: str) -> str | None:
    """The package a ``_private`` part of ``dotted`` belongs to, or None if all is public."""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def private_imports(path: Path) -> list[str]:
    own = ".".join(_package(path))
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        for dotted in _imported(node, path):
            owner = _private_owner(dotted)
            if owner is not None and owner != own:
                found.append(f"{path.relative_to(REPO)}:{node.lineno} imports {dotted}")
    return found


def figure_building(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and node.module in ("plotly.subplots",
                                                                 "plotly.express"):
            found.append(f"{where} imports {node.module}")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, owner = node.func.attr, node.func.value
        if isinstance(owner, ast.Name) and owner.id == "go" and name != "Figure":
            found.append(f"{where} builds go.{name}")
        elif name in DRAWING_METHODS:
            found.append(f"{where} calls .{name}()")
    return found


def test_no_code_imports_a_private_module_of_another_package():
    found = [hit for path in _code_files() for hit in private_imports(path)]
    assert not found, "\n".join(found)


def test_the_ui_draws_no_figure_of_its_own():
    assert UI_SOURCES
    found = [hit for path in UI_SOURCES for hit in figure_building(path)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("source, hit", [
    ("from core.evaluation.display import _style\n", "display._style"),
    ("from core.evaluation.display._format import NOT_AVAILABLE\n", "display._format"),
    ("import core.evaluation.display._overlay as o\n", "display._overlay"),
    ("from core.evaluation.display.bars import _bar_numbers\n", "bars._bar_numbers"),
])
def test_the_import_scan_catches_each_form(tmp_path, source, hit, monkeypatch):
    monkeypatch.setattr(__import__(__name__, fromlist=["REPO"]), "REPO", tmp_path)
    path = tmp_path / "dashboard" / "x.py"
    path.parent.mkdir()
    path.write_text(source)
    assert hit in " ".join(private_imports(path))
    own = tmp_path / "core" / "evaluation" / "display" / "roc.py"
    own.parent.mkdir(parents=True)
    own.write_text("from . import _style\nfrom ._format import format_p\n")
    assert private_imports(own) == []  # a package's own private modules are its business


@pytest.mark.parametrize("source", [
    "fig = go.Figure()\nfig.add_scatter(x=[1])\n",
    "fig.update_layout(height=3)\n",
    "t = go.Heatmap(z=[[1]])\n",
    "from plotly.subplots import make_subplots\n",
])
def test_the_drawing_scan_catches_each_form(tmp_path, source, monkeypatch):
    monkeypatch.setattr(__import__(__name__, fromlist=["REPO"]), "REPO", tmp_path)
    path = tmp_path / "x.py"
    path.write_text(source)
    assert figure_building(path)
    path.write_text("fig = go.Figure(spec)\nst.plotly_chart(fig)\n")
    assert figure_building(path) == []
