"""Settings from ``[tool.spine-changelog]`` in the workspace's root ``pyproject.toml``.

Example ``pyproject.toml``::

    [tool.spine-changelog]
    repository-url = "https://github.com/spine-pipelines/spine"
    changelog = "CHANGELOG.md"          # Keep a Changelog file
    api-index = "docs/api"              # index.md + index.json
    diagrams = "docs/diagrams"          # *.mmd / *.txt + index.md (the directory is owned)
    phase-map = "docs/phases.toml"      # optional
    tag-pattern = '^v?(?P<version>\\d+\\.\\d+\\.\\d+.*)$'

Every key is optional; unknown keys are an error (a typo would otherwise be ignored).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any

from spine.changelog.errors import ChangelogConfigError

__all__ = ["DEFAULT_TAG_PATTERN", "ChangelogConfig", "load_config", "parse_toml"]

DEFAULT_TAG_PATTERN = (
    r"^v?(?P<version>\d+\.\d+\.\d+(?:[.-]?(?:a|b|rc|alpha|beta|dev|post)\.?\d*)*)$"
)
"""Release tags: ``v1.2.3``, ``1.2.3``, ``v1.2.3rc1``; the ``version`` group is the version."""


@dataclass(frozen=True, slots=True)
class ChangelogConfig:
    """Where outputs go and how history is read (paths are relative to the workspace root)."""

    changelog: str = "CHANGELOG.md"
    api_index: str = "docs/api"
    diagrams: str = "docs/diagrams"
    phase_map: str | None = None
    repository_url: str | None = None
    tag_pattern: str = DEFAULT_TAG_PATTERN

    @property
    def tag_regex(self) -> re.Pattern[str]:
        """``tag_pattern`` compiled."""
        return re.compile(self.tag_pattern)


def _relative(path: str, key: str, source: str) -> str:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts:
        raise ChangelogConfigError(
            f"{source}: [tool.spine-changelog] {key} = {path!r} must be a relative path "
            "inside the workspace",
            path=source,
        )
    return pure.as_posix()


def parse_toml(
    text: str,
    source: str,
    *,
    path: str | None = None,
    error: type[ChangelogConfigError] = ChangelogConfigError,
) -> dict[str, Any]:
    """Parse TOML; a syntax error becomes ``error`` naming ``source`` and the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(
            f"{source}: not valid TOML ({exc}); fix the file", path=path or source, cause=exc
        ) from exc


def load_config(root: Path) -> ChangelogConfig:
    """Read ``[tool.spine-changelog]`` of ``root/pyproject.toml`` (defaults when absent)."""
    path = Path(root) / "pyproject.toml"
    if not path.is_file():
        return ChangelogConfig()
    source = "pyproject.toml"
    data = parse_toml(path.read_text(encoding="utf-8"), source)
    table = data.get("tool", {}).get("spine-changelog", {})
    if not isinstance(table, dict):
        raise ChangelogConfigError(f"{source}: [tool.spine-changelog] must be a table", path=source)
    known = {f.name.replace("_", "-"): f.name for f in fields(ChangelogConfig)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ChangelogConfigError(
            f"{source}: unknown key(s) in [tool.spine-changelog]: {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}",
            path=source,
        )
    values: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str):
            raise ChangelogConfigError(
                f"{source}: [tool.spine-changelog] {key} must be a string, not {value!r}",
                path=source,
            )
        values[known[key]] = value
    for key in ("changelog", "api_index", "diagrams", "phase_map"):
        if key in values:
            values[key] = _relative(values[key], key.replace("_", "-"), source)
    if "repository_url" in values:
        values["repository_url"] = values["repository_url"].rstrip("/")
    config = ChangelogConfig(**values)
    try:
        regex = config.tag_regex
    except re.error as exc:
        raise ChangelogConfigError(
            f"{source}: tag-pattern is not a valid regular expression ({exc})",
            path=source,
            cause=exc,
        ) from exc
    if "version" not in regex.groupindex:
        raise ChangelogConfigError(
            f"{source}: tag-pattern needs a (?P<version>...) group", path=source
        )
    return config
