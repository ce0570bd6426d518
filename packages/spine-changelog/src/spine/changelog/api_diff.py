"""Compare two API indexes: names added, removed, and signature or kind changes.

Example:
    >>> from spine.changelog.api_scan import ApiIndex, ApiSymbol, ModuleApi, PackageApi
    >>> def index(sig):
    ...     f = ApiSymbol("load", "function", sig, "", "pkg")
    ...     return ApiIndex((PackageApi("pkg", "1.0", "", (ModuleApi("pkg", "", "", (f,)),)),))
    >>> [(c.change, c.name, c.before, c.after) for c in diff_api(index("(a)"), index("(a, b)"))]
    [('changed', 'pkg.load', 'function (a)', 'function (a, b)')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spine.changelog.api_scan import ApiIndex, PackageApi

__all__ = ["ApiChange", "diff_api", "flatten_api"]


@dataclass(frozen=True, slots=True)
class ApiChange:
    """One difference: ``change`` is ``added``, ``removed`` or ``changed``.

    ``name`` is the public dotted path (``spine.db.Connection.execute``); ``before`` and
    ``after`` are ``"<kind> <signature>"`` (``None`` on the side where the name is absent).
    """

    package: str
    change: str
    name: str
    before: str | None
    after: str | None


def flatten_api(package: PackageApi) -> dict[str, str]:
    """``{public dotted name: "<kind> <signature>"}`` of a package, members included."""
    flat: dict[str, str] = {}
    for module in package.modules:
        for symbol in module.symbols:
            key = f"{module.module}.{symbol.name}"
            flat[key] = f"{symbol.kind} {symbol.signature}".strip()
            for member in symbol.members:
                flat[f"{key}.{member.name}"] = f"{member.kind} {member.signature}".strip()
    return flat


def diff_api(before: ApiIndex, after: ApiIndex) -> tuple[ApiChange, ...]:
    """Every API difference, by package (``after``'s order, then removed packages) and name."""
    names = [p.distribution for p in after.packages]
    names += [p.distribution for p in before.packages if p.distribution not in names]
    changes: list[ApiChange] = []
    for name in names:
        old_pkg, new_pkg = before.package(name), after.package(name)
        old = flatten_api(old_pkg) if old_pkg else {}
        new = flatten_api(new_pkg) if new_pkg else {}
        for key in sorted(old.keys() | new.keys()):
            if key not in old:
                if _parent(key) in new and _parent(key) not in old:
                    continue  # a member of a new name: the name itself is listed
                changes.append(ApiChange(name, "added", key, None, new[key]))
            elif key not in new:
                if _parent(key) in old and _parent(key) not in new:
                    continue
                changes.append(ApiChange(name, "removed", key, old[key], None))
            elif old[key] != new[key]:
                changes.append(ApiChange(name, "changed", key, old[key], new[key]))
    return tuple(changes)


def _parent(key: str) -> str:
    return key.rsplit(".", 1)[0]
