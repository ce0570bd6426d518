"""``parse()``: turn raw commits into :class:`~spine.changelog.models.CommitNote`.

Conventional commits (``feat(db)!: ...``) give their type, scope and breaking marker.
Free-form subjects are read the way this repository writes them: a package prefix
(``spine-db: ...``, ``spine-db, spine-ops: ...``) names the packages; the kind comes from the
words and the files (only new files: *added*; "fix"/"fixes": *fixed*; only tests or CI:
*internal*; otherwise *changed*). A ``BREAKING CHANGE:`` trailer makes any commit breaking.

Example:
    >>> from spine.changelog.workspace import Package, Workspace
    >>> ws = Workspace(packages=(Package("spine-db", "packages/spine-db", "1.0.0",
    ...                                  ("spine.db",), "packages/spine-db/src"),))
    >>> parts = classify_subject("feat(db)!: drop Python 3.10", ws)
    >>> parts.kind.value, parts.scope, parts.bang, parts.description
    ('added', 'db', True, 'drop Python 3.10')
    >>> parse_trailers("fix: x\\n\\nBody.\\n\\nBREAKING CHANGE: y\\nRefs: #12")
    ('Body.', (('BREAKING CHANGE', 'y'), ('Refs', '#12')))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spine.changelog.models import ChangeKind, CommitNote, FileChange

if TYPE_CHECKING:
    from spine.changelog.models import GitHistory, RawCommit
    from spine.changelog.workspace import Workspace

__all__ = [
    "CONVENTIONAL_TYPES",
    "SubjectParts",
    "classify_subject",
    "parse_commit",
    "parse_history",
    "parse_trailers",
]

CONVENTIONAL_TYPES: dict[str, ChangeKind] = {
    "feat": ChangeKind.ADDED,
    "feature": ChangeKind.ADDED,
    "fix": ChangeKind.FIXED,
    "bugfix": ChangeKind.FIXED,
    "hotfix": ChangeKind.FIXED,
    "security": ChangeKind.FIXED,
    "perf": ChangeKind.CHANGED,
    "refactor": ChangeKind.CHANGED,
    "docs": ChangeKind.CHANGED,
    "build": ChangeKind.CHANGED,
    "deps": ChangeKind.CHANGED,
    "revert": ChangeKind.CHANGED,
    "test": ChangeKind.INTERNAL,
    "tests": ChangeKind.INTERNAL,
    "ci": ChangeKind.INTERNAL,
    "chore": ChangeKind.INTERNAL,
    "style": ChangeKind.INTERNAL,
}
"""Conventional-commit types recognised and the kind each maps to; other ``word:`` prefixes
are read as free-form subjects."""

_CONVENTIONAL_RE = re.compile(
    r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\n]*)\))?(?P<bang>!)?:[ \t]+(?P<desc>\S.*)$"
)
_PREFIX_RE = re.compile(r"^(?P<prefix>[^:`]{1,60}):[ \t]+(?P<rest>\S.*)$")
_TOKEN_SPLIT_RE = re.compile(r"[,/&+\s]+")
_TRAILER_RE = re.compile(
    r"^(?P<key>BREAKING[ -]CHANGE|[A-Za-z0-9][A-Za-z0-9-]*)(?::[ \t]+| #)(?P<value>.*)$"
)
_FIX_RE = re.compile(r"\b(fix|fixes|fixed|fixing|bugfix)\b", re.IGNORECASE)
_ADD_WORDS = frozenset({"add", "adds", "added", "new", "introduce", "introduces", "support"})
_BREAKING_KEYS = frozenset({"breaking change", "breaking-change"})
_CI_DIRS = (".github/", ".ci/", ".gitlab/", ".circleci/")


def parse_trailers(message: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Split a message into ``(body, trailers)``; the subject line is not part of the body.

    Trailers are the last paragraph when every line of it is ``Key: value`` (``Key #value``
    and ``BREAKING CHANGE: value`` too; indented lines continue the previous value).
    """
    lines = message.split("\n")
    rest = "\n".join(lines[1:]).strip("\n")
    if not rest:
        return "", ()
    paragraphs = re.split(r"\n[ \t]*\n", rest)
    last = paragraphs[-1].split("\n")
    trailers: list[tuple[str, str]] = []
    for line in last:
        if line[:1] in (" ", "\t") and trailers:
            key, value = trailers[-1]
            trailers[-1] = (key, f"{value} {line.strip()}".strip())
            continue
        match = _TRAILER_RE.match(line)
        if match is None:
            return rest.strip(), ()
        trailers.append((match.group("key"), match.group("value").strip()))
    body = "\n\n".join(paragraphs[:-1]).strip()
    return body, tuple(trailers)


def _packages_in(text: str, workspace: Workspace, *, strict: bool) -> tuple[list[str], list[str]]:
    found: list[str] = []
    other: list[str] = []
    for token in _TOKEN_SPLIT_RE.split(text.strip()):
        if not token or token.lower() == "and":
            continue
        name = workspace.package_named(token, strict=strict)
        if name is None:
            other.append(token)
        elif name not in found:
            found.append(name)
    return found, other


@dataclass(frozen=True, slots=True)
class SubjectParts:
    """What a subject line says: conventional type and kind (``None`` when free-form), scope
    or package prefix, breaking marker, and the description left once those are removed."""

    type: str | None
    kind: ChangeKind | None
    scope: str | None
    bang: bool
    description: str


def classify_subject(subject: str, workspace: Workspace) -> SubjectParts:
    """Read a subject line (see the module docstring)."""
    match = _CONVENTIONAL_RE.match(subject)
    if match is not None and match.group("type").lower() in CONVENTIONAL_TYPES:
        ctype = match.group("type").lower()
        return SubjectParts(
            type=ctype,
            kind=CONVENTIONAL_TYPES[ctype],
            scope=(match.group("scope") or "").strip() or None,
            bang=match.group("bang") is not None,
            description=match.group("desc").strip(),
        )
    prefix = _PREFIX_RE.match(subject)
    if prefix is not None:
        found, other = _packages_in(prefix.group("prefix"), workspace, strict=True)
        if found:
            rest = prefix.group("rest").strip()
            return SubjectParts(
                type=None,
                kind=None,
                scope=prefix.group("prefix").strip(),
                bang=False,
                description=f"{' '.join(other)}: {rest}" if other else rest,
            )
    return SubjectParts(None, None, None, False, subject.strip())


def _is_internal_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "tests-integration") for p in parts[:-1])
        or name.startswith("test_")
        or name == "conftest.py"
        or path.startswith(_CI_DIRS)
    )


def _free_form_kind(description: str, files: tuple[FileChange, ...]) -> ChangeKind:
    if files and all(_is_internal_path(f.path) for f in files):
        return ChangeKind.INTERNAL
    if _FIX_RE.search(description):
        return ChangeKind.FIXED
    words = description.split()
    if words and words[0].lower() in _ADD_WORDS:
        return ChangeKind.ADDED
    if files and all(f.status == "A" for f in files):
        return ChangeKind.ADDED
    return ChangeKind.CHANGED


def parse_commit(raw: RawCommit, workspace: Workspace) -> CommitNote:
    """Parse one raw commit (see the module docstring for the rules)."""
    subject = raw.message.split("\n", 1)[0].strip()
    body, trailers = parse_trailers(raw.message)
    parts = classify_subject(subject, workspace)
    notes = [v for k, v in trailers if k.lower() in _BREAKING_KEYS]
    breaking = parts.bang or bool(notes)
    # A free-form prefix must name packages exactly; a conventional scope may be short ("db").
    strict = parts.kind is None
    scope_packages = _packages_in(parts.scope, workspace, strict=strict)[0] if parts.scope else []
    if breaking:
        kind = ChangeKind.BREAKING
    elif len(raw.parents) > 1:
        kind = ChangeKind.INTERNAL
    elif parts.kind is not None:
        kind = parts.kind
    else:
        kind = _free_form_kind(parts.description, raw.files)
    touched = {workspace.package_for_path(f.path) for f in raw.files}
    touched.update(workspace.package_for_path(f.old_path) for f in raw.files if f.old_path)
    return CommitNote(
        hash=raw.hash,
        parents=raw.parents,
        author_name=raw.author_name,
        author_date=raw.author_date,
        committer_date=raw.committer_date,
        subject=subject,
        body=body,
        trailers=trailers,
        type=parts.type,
        scope=parts.scope,
        breaking=breaking,
        breaking_note="\n".join(notes) if notes else None,
        description=parts.description,
        kind=kind,
        files=raw.files,
        packages=tuple(sorted(touched)),
        scope_packages=tuple(sorted(scope_packages)),
    )


def parse_history(history: GitHistory, workspace: Workspace) -> list[CommitNote]:
    """Parse every commit of ``history`` (order kept: newest first)."""
    return [parse_commit(raw, workspace) for raw in history.commits]
