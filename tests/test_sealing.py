"""Sealing and digests have one home each: the models' sealed columns derive every associated
data, ``intake.crypto`` computes every digest. A source walk, in the style of test_writers: it
fails when a module elsewhere spells an associated-data triple (``"note", "body", note.id``),
calls a seal/open primitive, or computes a digest with hashlib or hmac (``webhooks/`` verifies
providers' signatures with their secrets and imports nothing of intake: it is not walked)."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

from intake.models import Base
from intake.models.sealed import KeyOwner, SealedField

INTAKE = Path(__file__).resolve().parent.parent / "intake"

#: Functions of intake.crypto that take associated data or a data key: only the models call them.
PRIMITIVES = {
    "aad_for",
    "seal",
    "unseal",
    "seal_value",
    "open_value",
    "wrap_data_key",
    "unwrap_data_key",
    "derive_sealing_key",
}
#: Methods of a key-owning row that take the associated data by hand, or hand out its data key.
ROW_PRIMITIVES = {"seal_text", "open_text", "seal_bytes", "open_bytes", "aead"}


def _sealed_pairs() -> set[tuple[str, str]]:
    owners = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, KeyOwner)]
    return {(f.table, f.column) for f in SealedField.declared} | {
        (owner.__tablename__, "wrapped_key") for owner in owners
    }


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _imports(tree: ast.AST) -> tuple[set[str], set[str], list[str]]:
    """Names bound to intake.crypto, primitives imported from it, and imports of hashlib."""
    modules, functions, hashlib = {"crypto"}, set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "intake":
            modules |= {a.asname or a.name for a in node.names if a.name == "crypto"}
        elif isinstance(node, ast.ImportFrom) and node.module == "intake.crypto":
            functions |= {a.asname or a.name for a in node.names if a.name in PRIMITIVES}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hashlib"):
            hashlib.append(f"line {node.lineno}: imports from hashlib")
        elif isinstance(node, ast.Import) and any(a.name == "hashlib" for a in node.names):
            hashlib.append(f"line {node.lineno}: imports hashlib")
    return modules, functions, hashlib


def _call_offence(func: ast.expr, modules: set[str], functions: set[str]) -> str | None:
    if isinstance(func, ast.Name) and func.id in functions:
        return f"calls {func.id}"
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value.id if isinstance(func.value, ast.Name) else None
    if func.attr in ROW_PRIMITIVES:
        return f"calls .{func.attr}"
    if func.attr in PRIMITIVES and owner in modules:
        return f"calls crypto.{func.attr}"
    if owner == "hmac" and func.attr != "compare_digest":
        return f"computes hmac.{func.attr}"
    return None


def _offences(tree: ast.AST, pairs: set[tuple[str, str]]) -> list[str]:
    modules, functions, found = _imports(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            offence = _call_offence(node.func, modules, functions)
            if offence:
                found.append(f"line {node.lineno}: {offence}")
        if isinstance(node, ast.Call | ast.Tuple | ast.List):
            strings = [_string(n) for n in (node.args if isinstance(node, ast.Call) else node.elts)]
            for table, column in itertools.pairwise(strings):
                if table is not None and column is not None and (table, column) in pairs:
                    found.append(f"line {node.lineno}: spells the associated data {table}.{column}")
        text = _string(node) if isinstance(node, ast.Constant) else None  # f-strings' parts too
        if text is not None and text.startswith("intake|"):
            found.append(f"line {node.lineno}: spells associated data {text!r}")
    return found


def test_no_module_spells_associated_data_seals_by_hand_or_computes_a_digest() -> None:
    pairs = _sealed_pairs()
    offences = {}
    for path in sorted(INTAKE.rglob("*.py")):
        name = str(path.relative_to(INTAKE))
        if name == "crypto.py" or name.startswith("models/"):
            continue
        found = _offences(ast.parse(path.read_text(encoding="utf-8")), pairs)
        if found:
            offences[name] = found
    assert offences == {}, "seal through the models' sealed columns, digest through intake.crypto"


def test_the_walk_sees_triples_primitives_and_digests() -> None:
    pairs = _sealed_pairs()
    source = (
        "from intake import crypto as c\n"
        "from intake.crypto import unseal as open_it\n"
        "import hashlib\n"
        "tip.seal_text(keyring, 'note', 'body', note.id, body)\n"  # a method and a triple
        "c.seal(key, data, aad)\n"
        "open_it(key, blob, aad)\n"
        "aad = ('reward', 'claim_code', reward.id)\n"
        "label = f'intake|tip|narrative|{tip.id}'\n"
        "tip.aead(keyring)\n"
        "hmac.new(key, data, 'sha256')\n"
        "hashlib.sha256(data)\n"  # counted once, at the import
    )
    assert len(_offences(ast.parse(source), pairs)) == 9
    allowed = (
        "note.body.seal(keyring, text)\n"
        "tip.narrative.read(keyring)\n"
        "crypto.keyed_digest(keyring, 'ratelimit', value)\n"
        "hmac.compare_digest(a, b)\n"
        "index_text(session, keyring, tip, 'narrative', text)\n"
        "('tip', 'status')\n"
    )
    assert _offences(ast.parse(allowed), pairs) == []
