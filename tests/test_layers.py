"""ARCHITECTURE.md's layer rule, checked on the source: an import only points down the flow.

A module imports its own stage, the stages above it in the picture and the leaves; leaves import only
leaves; ``validate/`` and ``query/`` never import each other. Imports inside functions count; imports
under ``if TYPE_CHECKING:`` (annotations only) do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "iimgraph"

#: the stages in the order data flows through them (ARCHITECTURE.md's picture); equal ranks are siblings
STAGES = {"io": 1, "build": 2, "validate": 3, "query": 3, "rank": 4, "release": 5, "web": 6, "cli": 7}
LEAF = 0
#: the package face, which re-exports the stages lazily
FACE = {"__init__", "__main__"}
#: known exceptions, each with its reason
ALLOWED = {
    ("rank/__init__.py", "<face>"),  # the callable-module shim: ``iimgraph.rank(...)`` calls the face's rank
}


def _stage(module: str) -> str | None:
    """The stage (or leaf module name, or "<face>") that ``iimgraph.X...`` belongs to; None outside iimgraph."""
    parts = module.split(".")
    if parts[0] != "iimgraph":
        return None
    if len(parts) == 1:
        return "<face>"
    return parts[1]


def _rank(stage: str) -> int:
    return STAGES.get(stage, LEAF)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                inside.update(id(n) for n in ast.walk(child))
    return inside


def imports(path: Path) -> list[str]:
    """The iimgraph stages and leaves ``path`` imports at run time (``from iimgraph import x``: x if it is a
    module, else the face)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [s for a in node.names if (s := _stage(a.name))]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "iimgraph":
                for alias in node.names:
                    is_module = (SRC / f"{alias.name}.py").exists() or (SRC / alias.name).is_dir()
                    found.append(alias.name if is_module else "<face>")
            elif (s := _stage(node.module)) is not None:
                found.append(s)
    return found


def violations() -> list[str]:
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        own = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        if own in FACE:
            continue
        for target in imports(path):
            if target == own or (rel.as_posix(), target) in ALLOWED:
                continue
            if target == "<face>" or target in FACE:
                bad.append(f"{rel}: imports the package face (iimgraph/__init__.py)")
            elif own not in STAGES and target in STAGES:
                bad.append(f"{rel}: a leaf imports the stage {target}/")
            elif own in STAGES and _rank(target) >= _rank(own):
                bad.append(f"{rel}: {own}/ imports {target}/, which is not above it in the flow")
    return sorted(set(bad))


def test_every_import_points_down_the_flow():
    assert violations() == []


def test_the_check_sees_a_wrong_way_import(tmp_path: Path, monkeypatch):
    """The check can fail: validate importing query, a leaf importing a stage, and a stage importing the face."""
    for folder in ("validate", "query"):
        (tmp_path / folder).mkdir()
    (tmp_path / "validate" / "x.py").write_text("def f():\n    from iimgraph.query import engines\n")
    (tmp_path / "query" / "y.py").write_text("from iimgraph import version\nfrom iimgraph import run_query\n")
    (tmp_path / "leafy.py").write_text("import iimgraph.build.cache\n")
    (tmp_path / "version.py").write_text("")
    (tmp_path / "typed.py").write_text("TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from iimgraph.cli import x\n")
    monkeypatch.setitem(globals(), "SRC", tmp_path)
    assert violations() == ["leafy.py: a leaf imports the stage build/",
                            "query/y.py: imports the package face (iimgraph/__init__.py)",
                            "validate/x.py: validate/ imports query/, which is not above it in the flow"]
