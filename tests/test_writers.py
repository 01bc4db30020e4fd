"""One writer per table: only ``submissions`` constructs tips and inbound events, only
``submissions`` and ``identity`` reporters, only ``identity`` opts a tipster out or in; only
``outbound`` constructs outbox rows and sets delivery statuses (issue: one inbound path, one
writer). A source walk, in the style of the import-direction test."""

from __future__ import annotations

import ast
from pathlib import Path

INTAKE = Path(__file__).resolve().parent.parent / "intake"

#: Model -> the packages that alone may construct it.
CONSTRUCTORS = {
    "Tip": ("submissions",),
    "Reporter": ("submissions", "identity"),
    "InboundEvent": ("submissions",),
    "OutboxMessage": ("outbound",),
}
#: Attribute -> the package that alone may assign it (an opt-out: identity.set_opted_out).
ASSIGNED = {
    "delivery_status": "outbound",
    "delivery_error": "outbound",
    "is_opted_out": "identity",
}


def _package(path: Path) -> str:
    return path.relative_to(INTAKE).parts[0]


def _offences(tree: ast.AST, package: str) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if isinstance(node.func, ast.Attribute):
                name = node.func.attr
            owners = CONSTRUCTORS.get(name or "")
            if owners is not None and package not in owners:
                found.append(f"line {node.lineno}: constructs {name}")
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Attribute) and ASSIGNED.get(leaf.attr, package) != package:
                    found.append(f"line {leaf.lineno}: assigns .{leaf.attr}")
    return found


def test_only_the_owning_package_constructs_or_assigns_those_rows() -> None:
    offences = {}
    for path in sorted(INTAKE.rglob("*.py")):
        package = _package(path)
        if package == "models":
            continue
        found = _offences(ast.parse(path.read_text(encoding="utf-8")), package)
        if found:
            offences[str(path.relative_to(INTAKE))] = found
    assert offences == {}, "write those rows through submissions / outbound"


def test_the_walk_sees_constructions_and_assignments() -> None:
    source = (
        "row = OutboxMessage(kind='reply')\n"
        "models.Tip(narrative_ct=b'')\n"
        "message.delivery_status = 'read'\n"
        "a.b, message.delivery_error = 1, 'x'\n"
        "reporter.is_opted_out = True\n"
    )
    assert len(_offences(ast.parse(source), "channels")) == 5
    assert (
        _offences(ast.parse("OutboxMessage(kind='x')\nm.delivery_status = 's'"), "outbound") == []
    )
    assert _offences(ast.parse("Tip(channel='web')"), "submissions") == []
