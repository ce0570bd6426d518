"""Backend knowledge lives in spine-db's dialects and drivers only.

Adding a backend is a dialect module, a driver module, a URL entry and an extra: no code
outside ``spine/db/dialects``, ``spine/db/drivers`` and ``spine/db/url.py`` names a backend
(docstrings may, as documentation). Names come from the one alias table the dialects build.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from spine.db.dialects import BACKEND_NAMES, DIALECT_NAMES, DatabaseType, all_dialects
from spine.db.drivers import all_drivers
from spine.db.testing import BACKENDS

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = ("spine/db/dialects/", "spine/db/drivers/", "spine/db/url.py")
NAMES = BACKEND_NAMES | {d.test_name for d in all_drivers()}
# the patterns the repository's stop hook greps for in the packages above spine-db
HOOK_PATTERNS = re.compile(
    r"""(==|!=)\s*["'](postgresql|postgres|mysql|sqlite|oracle|db2)["']|["'](postgresql|postgres|mysql|mariadb|sqlite|oracle|db2)["']\s+(not\s+)?in\b"""
)


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
        # attribute docstrings: a bare string right after an assignment
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list):
                for stmt in stmts:
                    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                        ids.add(id(stmt.value))
    return ids


def _backend_names_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstring_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and node.value.strip().lower() in NAMES
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    return found


EXEMPT = {
    # A spine-exec configuration value naming one of its event-bus components (the LISTEN/
    # NOTIFY bus), not a branch on the database: the bus checks dialect.supports_notify.
    ("packages/spine-exec/src/spine/execution/config/components.py", "'postgres'"),
}


def test_no_source_outside_dialects_drivers_and_url_names_a_backend() -> None:
    offenders = [
        hit
        for path in sorted(ROOT.glob("packages/*/src/spine/**/*.py"))
        if not any(part in path.as_posix() for part in ALLOWED)
        for hit in _backend_names_in(path)
        if (hit.split(":", 1)[0], hit.rsplit(": ", 1)[1]) not in EXEMPT
    ]
    assert offenders == []


def test_the_stop_hook_patterns_find_nothing_in_the_packages_above_spine_db() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for dist in ("spine-ops", "spine-exec", "spine-orch", "spine-deploy")
        for path in sorted(ROOT.glob(f"packages/{dist}/src/**/*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HOOK_PATTERNS.search(line)
    ]
    assert offenders == []


def test_the_check_would_catch_a_branch_on_a_backend_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('"""Docs may say postgresql."""\nif d.name == "postgresql":\n    pass\n')
    assert len(_backend_names_in_anywhere(bad)) == 1


def _backend_names_in_anywhere(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstring_nodes(tree)
    return [
        repr(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and node.value.lower() in NAMES
    ]


def test_backend_names_and_aliases_come_from_one_table() -> None:
    assert tuple(d.name for d in all_dialects()) == DIALECT_NAMES
    assert {t.value for t in DatabaseType} == set(DIALECT_NAMES)
    assert {a for d in all_dialects() for a in (d.name, *d.aliases)} == BACKEND_NAMES
    assert tuple(d.name for d in all_drivers()) == DIALECT_NAMES
    assert tuple(d.test_name for d in all_drivers()) == BACKENDS
    for alias in ("postgres", "pg", "mariadb", "ibm_db", "sqlite3"):
        assert DatabaseType.parse(alias).value in DIALECT_NAMES
