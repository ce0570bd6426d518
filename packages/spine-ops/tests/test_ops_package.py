"""The spine.ops root: every public name importable, loaded lazily, no pydantic."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_every_public_name_is_importable_from_the_root() -> None:
    import spine.ops

    for name in spine.ops.__all__:
        assert getattr(spine.ops, name) is not None
    assert sorted(spine.ops.__all__) == sorted(set(spine.ops.__all__))
    assert set(spine.ops.__all__) <= set(dir(spine.ops))
    with pytest.raises(AttributeError):
        _ = spine.ops.no_such_name


def test_root_names_are_the_submodule_objects() -> None:
    import spine.ops
    from spine.ops.manifest import WorkManifest
    from spine.ops.quality import QualityRunner

    assert spine.ops.WorkManifest is WorkManifest
    assert spine.ops.QualityRunner is QualityRunner


def test_importing_spine_ops_imports_no_pydantic_and_no_primitive_module() -> None:
    code = (
        "import sys, spine.ops\n"
        "assert 'pydantic' not in sys.modules\n"
        "assert 'spine.ops.manifest' not in sys.modules\n"
        "from spine.ops import *\n"
        "from spine.db.testing import memory_connection\n"
        "m = WorkManifest(memory_connection(), 'otc', stages=['INGESTED'])\n"
        "_ = m.advance_to({'week_ending': '2025-12-26'}, 'INGESTED')\n"
        "assert 'pydantic' not in sys.modules, 'spine.ops pulled in pydantic'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
