"""``intake/`` gains no import cycle, not even one hidden by an import inside a function.

The graph has an edge from module A to module B when A imports B anywhere: at module level or
inside a function (a function-level import is still a dependency, only a later one). Imports
under ``if TYPE_CHECKING:`` are left out: they never run. ``intake/__init__.py`` (create_app) and
``intake/cli.py`` are the composition roots: they import features, features never import them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "intake"


def module_name(path: Path, root: Path = ROOT) -> str:
    """``intake/queues/service.py`` -> ``intake.queues.service`` (a package: its folder)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under ``node``, at any depth, except TYPE_CHECKING blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _imports(child)


def imported_modules(source: str, name: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of ``known`` that the module ``name`` (with ``source``) imports."""
    found: set[str] = set()
    for node in _imports(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # `from intake.queues import service` imports the module intake.queues.service.
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                for alias in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    paths = {module_name(path, root): path for path in (root / PACKAGE).rglob("*.py")}
    known = set(paths)
    return {
        name: imported_modules(
            path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known
        )
        for name, path in paths.items()
    }


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def _describe(component: frozenset[str], graph: dict[str, set[str]]) -> str:
    edges = [f"{a} -> {b}" for a in sorted(component) for b in sorted(graph[a] & component)]
    return "{" + ", ".join(sorted(component)) + "}: " + "; ".join(edges)


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "intake.identity.service" in graph["intake.channels.inbound"]
    # A function-level import is an edge too (create_app imports the features inside it).
    assert "intake.cli" in graph["intake"]


def test_intake_has_no_import_cycle() -> None:
    graph = import_graph()
    found = [_describe(c, graph) for c in cycles(graph)]
    assert not found, "import cycles (move the shared piece to the module that owns it):\n" + (
        "\n".join(sorted(found))
    )


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "files",
    [
        # module level both ways
        {"a.py": "import intake.b\n", "b.py": "from intake import a\n"},
        # hidden in a function, relative import, through a package's module
        {
            "a.py": "def late():\n    from .b import thing\n",
            "b.py": "from intake.c import x\n",
            "c/__init__.py": "",
            "c/x.py": "from intake.a import late\n",
        },
    ],
)
def test_the_check_finds_cycles(tmp_path: Path, files: dict[str, str]) -> None:
    root = _write(
        tmp_path, {"intake/__init__.py": "", **{f"intake/{k}": v for k, v in files.items()}}
    )
    assert len(cycles(import_graph(root))) == 1


def test_the_check_ignores_type_checking_and_one_way_imports(tmp_path: Path) -> None:
    files = {
        "intake/__init__.py": "",
        "intake/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import intake.b\n",
        "intake/b.py": "import intake.a\nimport os\n",
    }
    assert cycles(import_graph(_write(tmp_path, files))) == set()
