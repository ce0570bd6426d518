"""``write()`` all outputs or none, and compare outputs with what is on disk (``check``).

Every file is first written to a temporary file beside its target; only when all of them are
written are they renamed into place (``os.replace``, atomic per file). A failure before that
removes the temporary files and leaves every target as it was. Files whose content is already
right are not touched (their modification time stays).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from spine.types.errors import StorageError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["OutputSet", "Staleness", "WriteReport", "compare_outputs", "write_outputs"]


@dataclass(frozen=True, slots=True)
class OutputSet:
    """Files to produce (relative path -> text) and directories the generator owns.

    A file inside an owned directory that the set does not produce is stale: ``write``
    removes it, ``check`` reports it. Hidden files (``.gitkeep``) are never owned.
    """

    files: Mapping[str, str]
    owned_dirs: tuple[str, ...] = ()

    def merged(self, other: OutputSet) -> OutputSet:
        """Both sets together."""
        return OutputSet({**self.files, **other.files}, (*self.owned_dirs, *other.owned_dirs))


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What ``write`` did, paths relative to the root, sorted."""

    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Staleness:
    """A checked-in output that differs from what would be generated."""

    path: str
    reason: str
    diff: tuple[str, ...] = field(default=())


def _extra_files(root: Path, outputs: OutputSet) -> list[str]:
    extra: list[str] = []
    for directory in outputs.owned_dirs:
        base = root / directory
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            rel = f"{directory}/{entry.name}"
            if entry.is_file() and not entry.name.startswith(".") and rel not in outputs.files:
                extra.append(rel)
    return extra


def write_outputs(root: Path, outputs: OutputSet) -> WriteReport:
    """Write every file of ``outputs`` under ``root``, all or nothing (see module docstring)."""
    root = Path(root)
    pending: list[tuple[Path, Path]] = []
    unchanged: list[str] = []
    created: list[Path] = []
    try:
        for rel in sorted(outputs.files):
            target = root / rel
            data = outputs.files[rel].encode("utf-8")
            if target.is_file() and target.read_bytes() == data:
                unchanged.append(rel)
                continue
            missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            created.extend(reversed(missing))
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
            tmp = Path(tmp_name)
            pending.append((tmp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            tmp.chmod(mode)
    except OSError as exc:
        for tmp, _ in pending:
            with contextlib.suppress(OSError):
                tmp.unlink()
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise StorageError(
            f"could not write the outputs under {root} ({exc}); nothing was changed",
            cause=exc,
        ).with_context(path=str(root)) from exc
    for tmp, target in pending:
        os.replace(tmp, target)
    removed = _extra_files(root, outputs)
    for rel in removed:
        (root / rel).unlink()
    written = sorted(str(t.relative_to(root).as_posix()) for _, t in pending)
    return WriteReport(tuple(written), tuple(unchanged), tuple(removed))


def compare_outputs(root: Path, outputs: OutputSet, *, context: int = 2) -> list[Staleness]:
    """Every difference between ``outputs`` and the files under ``root`` (empty: up to date)."""
    root = Path(root)
    found: list[Staleness] = []
    for rel in sorted(outputs.files):
        target = root / rel
        expected = outputs.files[rel]
        if not target.is_file():
            found.append(Staleness(rel, "missing"))
            continue
        # A checkout with core.autocrlf turns LF into CRLF: that is not a difference.
        actual = target.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
        if actual != expected:
            diff = difflib.unified_diff(
                actual.splitlines(),
                expected.splitlines(),
                fromfile=f"{rel} (checked in)",
                tofile=f"{rel} (generated)",
                n=context,
                lineterm="",
            )
            found.append(Staleness(rel, "differs from what is generated", tuple(diff)))
    found.extend(Staleness(rel, "not produced any more") for rel in _extra_files(root, outputs))
    return found
