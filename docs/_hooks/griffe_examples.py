"""A griffe extension for the API reference: ``Example:`` sections are examples.

spine's docstrings use Google style with ``Example:`` (singular) before their doctests, as
the spec's examples do; griffe only treats ``Examples:`` as a code section and would render
the doctests as prose. This extension reads ``Example:`` as ``Examples:``.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Rename ``Example:`` section headers to ``Examples:`` before docstrings are parsed."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
