"""Package-level guarantees: public surface, lazy loading, stdlib-only imports."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import spine.types as st

SRC = Path(__file__).resolve().parents[1] / "src"


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_every_public_name_is_importable_from_the_root() -> None:
    for name in st.__all__:
        value = getattr(st, name)
        assert value is not None, name


def test_all_is_sorted_unique_and_matches_dir() -> None:
    assert len(st.__all__) == len(set(st.__all__))
    assert set(st.__all__) <= set(dir(st))


def test_public_names_come_from_spine_types_modules() -> None:
    for name in st.__all__:
        module = getattr(getattr(st, name), "__module__", "spine.types")
        assert module.startswith(("spine.types", "typing", "types")), (name, module)


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = st.Nope


def test_timeout_error_is_importable_but_not_star_exported() -> None:
    namespace: dict[str, object] = {}
    exec("from spine.types import *", namespace)
    assert "TimeoutError" not in namespace
    assert namespace["SpineTimeoutError"] is st.SpineTimeoutError
    from spine.types import TimeoutError as SpineTimeout

    assert SpineTimeout is st.SpineTimeoutError


def test_spine_is_a_namespace_package() -> None:
    assert not (SRC / "spine" / "__init__.py").exists()
    assert (SRC / "spine" / "types" / "py.typed").exists()


def test_import_is_lazy_about_heavy_modules() -> None:
    out = run_python("import sys; import spine.types; print(repr(sorted(sys.modules)))")
    loaded = set(ast.literal_eval(out))
    for heavy in (
        "spine.types.result",
        "spine.types.logging",
        "spine.types.hashing",
        "spine.types.secrets",
        "spine.types.feature_flags",
        "typing",
        "dataclasses",
        "inspect",
        "logging",
        "hashlib",
        "json",
        "asyncio",
        "typing_extensions",
        "structlog",
        "hvac",
        "boto3",
    ):
        assert heavy not in loaded, heavy


def test_lazy_names_load_their_module_on_first_access() -> None:
    out = run_python(
        "import sys, spine.types;"
        "before = 'spine.types.hashing' in sys.modules;"
        "spine.types.compute_hash;"
        "print(before, 'spine.types.hashing' in sys.modules)"
    )
    assert out.split() == ["False", "True"]


_THIRD_PARTY_PROBE = """
import json, sys, sysconfig
site_dirs = {{sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}}
before = set(sys.modules)
import spine.types
if {touch_all}:
    for name in spine.types.__all__:
        getattr(spine.types, name)
    spine.types.get_logger("probe").info("x")
    spine.types.compute_hash(1, "a")
offenders = []
for name in sorted(set(sys.modules) - before):
    top = name.partition(".")[0]
    module = sys.modules[name]
    path = getattr(module, "__file__", None) or ""
    in_site = any(path.startswith(d) for d in site_dirs)
    if top == "spine":
        continue
    if top not in sys.stdlib_module_names or in_site:
        offenders.append(name)
print(json.dumps(offenders))
"""


@pytest.mark.parametrize("touch_all", [False, True], ids=["import-only", "every-name"])
def test_importing_spine_types_pulls_in_no_third_party_module(touch_all: bool) -> None:
    out = run_python(_THIRD_PARTY_PROBE.format(touch_all=touch_all))
    assert json.loads(out) == []
