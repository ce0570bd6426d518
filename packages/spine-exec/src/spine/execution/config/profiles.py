"""TOML settings profiles with inheritance.

A profile is ``<name>.toml`` in a profiles directory. Keys are settings field names; a table
is a prefix (``[database] url = "..."`` sets ``database_url``). ``inherits = "base"`` (or a
list, applied left to right) starts from other profiles; the child's keys win. Directories
searched, first match wins: ``profiles_dirs`` if given, else ``$SPINE_PROFILES_DIR``,
``./.spine/profiles``, ``~/.spine/profiles``.

Every problem is an :class:`~spine.types.InvalidConfigError` naming the file (and the key):
TOML syntax (with line and column), an unknown key, a cycle, a missing parent profile.

Example::

    # .spine/profiles/base.toml            # .spine/profiles/prod.toml
    cache_backend = "memory"               inherits = "base"
    [database]                             cache_backend = "redis"
    url = "sqlite:///spine.db"             redis_url = "secret:env:REDIS_URL"
                                           [database]
                                           url = "secret:file:/run/secrets/db_url"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spine.types import InvalidConfigError

__all__ = ["Profile", "default_profile_dirs", "load_profile"]

_MAX_DEPTH = 16


@dataclass(frozen=True)
class Profile:
    """A resolved profile.

    Attributes:
        name: The profile asked for.
        values: Flattened settings (field name -> value) after inheritance.
        sources: Field name -> the file that set it.
        chain: Files applied, base first.
    """

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    chain: tuple[Path, ...] = ()


def default_profile_dirs() -> list[Path]:
    """``$SPINE_PROFILES_DIR``, ``./.spine/profiles``, ``~/.spine/profiles``."""
    dirs: list[Path] = []
    env = os.environ.get("SPINE_PROFILES_DIR", "").strip()
    if env:
        dirs.append(Path(env))
    dirs.append(Path.cwd() / ".spine" / "profiles")
    dirs.append(Path.home() / ".spine" / "profiles")
    return dirs


def _find(name: str, dirs: Sequence[Path]) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise InvalidConfigError(f"profile name {name!r} is not a plain name like 'prod'")
    for directory in dirs:
        candidate = directory / f"{name}.toml"
        if candidate.is_file():
            return candidate
    available = sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")})
    where = ", ".join(str(d) for d in dirs)
    listing = ", ".join(available) if available else "none"
    raise InvalidConfigError(
        f"profile {name!r} not found (looked for {name}.toml in {where}); available: {listing}"
    )


def _flatten(data: dict[str, Any], path: Path, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}".lower()
        if isinstance(value, dict):
            flat.update(_flatten(value, path, f"{name}_"))
        else:
            flat[name] = value
    return flat


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfigError(f"profile file {path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise InvalidConfigError(f"profile file {path}: cannot read: {exc}") from None


def _parents(raw: dict[str, Any], path: Path) -> list[str]:
    inherits = raw.pop("inherits", None)
    if inherits is None:
        return []
    if isinstance(inherits, str):
        return [inherits]
    if isinstance(inherits, list) and all(isinstance(p, str) for p in inherits):
        return list(inherits)
    raise InvalidConfigError(
        f"profile file {path}: field 'inherits' must be a profile name or a list of names"
    )


def load_profile(
    name: str,
    *,
    profiles_dirs: Iterable[str | Path] | None = None,
    known_fields: Collection[str] | None = None,
) -> Profile:
    """Resolve profile ``name`` with its parents.

    Args:
        name: The profile (``"prod"`` reads ``prod.toml``).
        profiles_dirs: Where to look (default :func:`default_profile_dirs`).
        known_fields: When given, any other key is an error naming file and key.

    Raises:
        InvalidConfigError: missing profile or parent, bad TOML, unknown key, cycle.
    """
    dirs = [Path(d) for d in profiles_dirs] if profiles_dirs is not None else default_profile_dirs()
    values: dict[str, Any] = {}
    sources: dict[str, Path] = {}
    chain: list[Path] = []

    def apply(profile: str, stack: tuple[str, ...]) -> None:
        if profile in stack:
            cycle = " -> ".join((*stack, profile))
            raise InvalidConfigError(f"profile inheritance cycle: {cycle}")
        if len(stack) > _MAX_DEPTH:
            raise InvalidConfigError(f"profile inheritance deeper than {_MAX_DEPTH}: {stack}")
        try:
            path = _find(profile, dirs)
        except InvalidConfigError as exc:
            if stack:
                raise InvalidConfigError(f"profile {stack[-1]!r} inherits from {exc}") from None
            raise
        raw = _read(path)
        for parent in _parents(raw, path):
            apply(parent, (*stack, profile))
        flat = _flatten(raw, path)
        if known_fields is not None:
            unknown = sorted(set(flat) - set(known_fields) - {"profile"})
            if unknown:
                raise InvalidConfigError(
                    f"profile file {path}: unknown field(s) {', '.join(map(repr, unknown))}; "
                    f"known fields: {', '.join(sorted(known_fields))}"
                )
        values.update(flat)
        sources.update(dict.fromkeys(flat, path))
        chain.append(path)

    apply(name, ())
    values.pop("profile", None)
    return Profile(name, values, sources, tuple(chain))
