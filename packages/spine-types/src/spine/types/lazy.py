"""Lazy package exports (PEP 562): a package root that names everything but imports on use.

spine's packages export every public name from their root, yet importing the root must stay
cheap (drivers, pydantic and most modules load only when a name is first used).
:func:`lazy_exports` builds the module-level ``__getattr__`` and ``__dir__`` that do it.

Example:
    >>> import types as _stdlib_types
    >>> pkg = _stdlib_types.ModuleType("demo_pkg")
    >>> pkg.__all__ = ["dedent"]
    >>> pkg.__getattr__, pkg.__dir__ = lazy_exports(
    ...     "demo_pkg", {"dedent": "textwrap"}, vars(pkg)
    ... )
    >>> pkg.dedent("  x")
    'x'
    >>> "dedent" in vars(pkg)  # cached after the first use
    True
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, MutableMapping
    from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for a package root.

    Args:
        package: The package's dotted name (for the ``AttributeError`` message).
        exports: Public name -> the module that defines it (imported on first use).
        namespace: The package's ``globals()``; a resolved name is cached there, so each
            name costs one import and then plain attribute access.

    ``__dir__`` lists the namespace plus ``__all__`` (when the namespace defines it), so
    ``dir(package)`` and star imports show every public name before any is loaded.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook's name
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        __import__(module)
        value = getattr(sys.modules[module], name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook's name
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__
