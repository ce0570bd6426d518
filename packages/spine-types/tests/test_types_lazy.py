"""lazy_exports: package roots that name everything and import on first use."""

from __future__ import annotations

import sys
import types

import pytest

from spine.types import lazy_exports


def _package(exports: dict[str, str]) -> types.ModuleType:
    pkg = types.ModuleType("spine_lazy_demo")
    pkg.__all__ = sorted(exports)  # type: ignore[attr-defined]
    getattr_, dir_ = lazy_exports("spine_lazy_demo", exports, vars(pkg))
    pkg.__getattr__ = getattr_  # type: ignore[method-assign]
    pkg.__dir__ = dir_  # type: ignore[method-assign]
    return pkg


def test_a_name_resolves_from_its_module_and_is_cached() -> None:
    pkg = _package({"dedent": "textwrap"})
    assert "dedent" not in vars(pkg)
    import textwrap

    assert pkg.dedent is textwrap.dedent
    assert vars(pkg)["dedent"] is textwrap.dedent


def test_the_module_is_imported_only_on_first_use() -> None:
    sys.modules.pop("colorsys", None)
    pkg = _package({"rgb_to_hsv": "colorsys"})
    assert "colorsys" not in sys.modules
    assert dir(pkg) == sorted({*vars(pkg), "rgb_to_hsv"})
    assert "colorsys" not in sys.modules
    assert pkg.rgb_to_hsv(1, 0, 0) == (0.0, 1.0, 1)
    assert "colorsys" in sys.modules


def test_an_unknown_name_is_an_attribute_error_naming_the_package() -> None:
    pkg = _package({"dedent": "textwrap"})
    with pytest.raises(AttributeError, match="'spine_lazy_demo' has no attribute 'nope'"):
        _ = pkg.nope


def test_spine_types_root_lists_every_public_name_and_resolves_it() -> None:
    import spine.types

    assert set(spine.types.__all__) <= set(dir(spine.types))
    for name in spine.types.__all__:
        assert getattr(spine.types, name) is not None
