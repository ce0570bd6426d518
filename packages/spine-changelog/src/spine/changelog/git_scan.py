"""Read git history: live through ``git`` subprocess calls, or from recorded fixture files.

::

    ┌─────────────────────────────────────────────────┐
    │                  git_scan.py                     │
    ├─────────────────────┬───────────────────────────┤
    │  LiveGitScanner     │  FixtureGitScanner        │
    │  (subprocess calls) │  (reads fixture files)    │
    └─────────────────────┴───────────────────────────┘
                │                     │
                ▼                     ▼
           GitHistory  ──parse()──▶  CommitNote[]

Both scanners return the same :class:`~spine.changelog.models.GitHistory` (commits newest
first, with parents, UTC dates, full messages, touched files with renames, and the tags among
them), so everything downstream is tested once on recorded history and runs unchanged on a
live repository.

Example:
    >>> from pathlib import Path
    >>> notes = scan_git_history(repo_dir=Path("."))  # doctest: +SKIP
    >>> recorded = Path("tests/fixtures/changelog_repo")
    >>> notes = scan_git_history(fixture_dir=recorded)  # doctest: +SKIP

A fixture is a directory with ``commits.jsonl`` (one commit per line, newest first),
``refs.json`` (``{"head": ..., "tags": {name: commit}}``) and ``tree/`` (the workspace's
``pyproject.toml`` files as they were at ``head``); :func:`record_fixture` writes one from a
live repository.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from spine.changelog.errors import FixtureError, GitHistoryError
from spine.changelog.gitcmd import Git
from spine.changelog.models import FileChange, GitHistory, RawCommit, TagRef
from spine.changelog.tree import DirectoryTree, GitTree, SourceTree

if TYPE_CHECKING:
    from spine.changelog.models import CommitNote
    from spine.changelog.workspace import Workspace

__all__ = [
    "FixtureGitScanner",
    "GitScanner",
    "LiveGitScanner",
    "record_fixture",
    "scan_git_history",
]

_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%ct%x1f%B%x1f"


class GitScanner(Protocol):
    """Where history comes from: ``scan()`` reads it, ``tree()`` shows the covered commit."""

    def scan(self) -> GitHistory:
        """Read the commits reachable from the covered commit, newest first, and their tags."""
        ...

    def tree(self) -> SourceTree | None:
        """The files of the covered commit (``None``: the caller uses its working tree)."""
        ...


def _utc(seconds: str) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def _message(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _parse_files(tail: str) -> tuple[FileChange, ...]:
    tokens = list(tail.lstrip("\0\n").split("\0"))
    files: list[FileChange] = []
    i = 0
    while i < len(tokens) and tokens[i]:
        status = tokens[i]
        letter = status[0]
        if letter in "RC":
            files.append(FileChange(letter, tokens[i + 2], tokens[i + 1]))
            i += 3
        else:
            files.append(FileChange(letter, tokens[i + 1]))
            i += 2
    return tuple(files)


def parse_log_output(data: bytes) -> list[RawCommit]:
    """Parse the output of ``git log -z --name-status`` with this module's ``--format``."""
    commits: list[RawCommit] = []
    for record in data.decode("utf-8", "replace").split("\x1e")[1:]:
        parts = record.split("\x1f", 6)
        if len(parts) != 7:
            raise GitHistoryError(f"unexpected `git log` output near {record[:80]!r}")
        commit_hash, parents, name, email, at, ct, rest = parts
        message, _, tail = rest.rpartition("\x1f")
        commits.append(
            RawCommit(
                hash=commit_hash,
                parents=tuple(parents.split()),
                author_name=name,
                author_email=email,
                author_date=_utc(at),
                committer_date=_utc(ct),
                message=_message(message),
                files=_parse_files(tail),
            )
        )
    return commits


class LiveGitScanner:
    """History of a git repository, read with ``git log`` (one process for all commits).

    Args:
        repo_dir: The repository (its top level, or the workspace directory inside it).
        rev: The commit to describe; its whole history is read. ``HEAD`` by default.

    Raises ``NotAGitRepositoryError``, ``EmptyRepositoryError``, ``ShallowCloneError`` or
    ``UnknownRevisionError`` with the repository's path and what to do.
    """

    def __init__(self, repo_dir: Path, *, rev: str = "HEAD") -> None:
        self.git = Git(Path(repo_dir))
        self.rev = rev
        self._head: str | None = None

    @property
    def head(self) -> str:
        """Full hash of the covered commit (resolves ``rev`` once, checking the repository)."""
        if self._head is None:
            self.git.check_repository()
            self._head = self.git.resolve(self.rev)
        return self._head

    def scan(self) -> GitHistory:
        """Run ``git log`` and ``git for-each-ref`` and return the history of ``rev``."""
        head = self.head
        prefix = self.git.text("rev-parse", "--show-prefix")
        args = [
            "log",
            "--topo-order",
            "--no-color",
            "--no-decorate",
            "-z",
            f"--format={_FORMAT}",
            "--name-status",
            "--find-renames",
            "--diff-merges=first-parent",
        ]
        if prefix:
            args.append("--relative")
        commits = tuple(parse_log_output(self.git.run(*args, head, "--")))
        return GitHistory(head=head, commits=commits, tags=self._tags(commits))

    def _tags(self, commits: tuple[RawCommit, ...]) -> tuple[TagRef, ...]:
        known = {c.hash for c in commits}
        out = self.git.run(
            "for-each-ref",
            "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)",
            "refs/tags",
        )
        tags: list[TagRef] = []
        for line in out.decode("utf-8", "replace").splitlines():
            ref, kind, obj, peeled_kind, peeled = (line.split("\0") + [""] * 5)[:5]
            commit = obj if kind == "commit" else peeled if peeled_kind == "commit" else None
            if commit in known:
                tags.append(TagRef(ref.removeprefix("refs/tags/"), commit))
        return tuple(sorted(tags, key=lambda t: t.name))

    def tree(self) -> SourceTree:
        """The files of the covered commit."""
        return GitTree(self.git, self.head)


def _fixture_error(path: Path, message: str, cause: BaseException | None = None) -> FixtureError:
    return FixtureError(
        f"{path}: {message}; re-record it with spine.changelog.record_fixture",
        path=str(path),
        cause=cause,
    )


def _date(path: Path, value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise _fixture_error(path, f"{value!r} is not an ISO date", exc) from exc
    if parsed.tzinfo is None:
        raise _fixture_error(path, f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _commit_from_json(path: Path, line: int, item: Any) -> RawCommit:
    where = Path(f"{path}:{line}")
    if not isinstance(item, dict):
        raise _fixture_error(where, "each line must be a JSON object")
    try:
        files = tuple(
            FileChange(str(f["status"]), str(f["path"]), f.get("old_path"))
            for f in item.get("files", [])
        )
        return RawCommit(
            hash=str(item["hash"]),
            parents=tuple(str(p) for p in item.get("parents", [])),
            author_name=str(item["author_name"]),
            author_email=str(item.get("author_email", "")),
            author_date=_date(where, item["author_date"]),
            committer_date=_date(where, item.get("committer_date", item["author_date"])),
            message=_message(str(item["message"])),
            files=files,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise _fixture_error(where, f"missing or malformed field {exc}", exc) from exc


class FixtureGitScanner:
    """History recorded in files (see the module docstring), for tests and offline runs."""

    def __init__(self, fixture_dir: Path) -> None:
        self.fixture_dir = Path(fixture_dir)

    def scan(self) -> GitHistory:
        """Read ``commits.jsonl`` and ``refs.json``; raise ``FixtureError`` naming the file."""
        commits_path = self.fixture_dir / "commits.jsonl"
        refs_path = self.fixture_dir / "refs.json"
        for needed in (commits_path, refs_path):
            if not needed.is_file():
                raise _fixture_error(needed, "missing fixture file")
        commits: list[RawCommit] = []
        text = commits_path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _fixture_error(Path(f"{commits_path}:{number}"), str(exc), exc) from exc
            commits.append(_commit_from_json(commits_path, number, item))
        try:
            refs = json.loads(refs_path.read_text(encoding="utf-8"))
            head = str(refs["head"])
            tag_map = dict(refs.get("tags", {}))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise _fixture_error(refs_path, f"malformed refs ({exc})", exc) from exc
        known = {c.hash for c in commits}
        if head not in known:
            raise _fixture_error(refs_path, f"head {head!r} is not among the recorded commits")
        tags = tuple(
            sorted(
                (TagRef(str(n), str(c)) for n, c in tag_map.items() if c in known),
                key=lambda t: t.name,
            )
        )
        return GitHistory(head=head, commits=tuple(commits), tags=tags)

    def tree(self) -> SourceTree | None:
        """``tree/`` of the fixture when recorded, else ``None``."""
        tree_dir = self.fixture_dir / "tree"
        return DirectoryTree(tree_dir, label="fixture tree") if tree_dir.is_dir() else None


def _commit_to_json(commit: RawCommit) -> str:
    item = {
        "hash": commit.hash,
        "parents": list(commit.parents),
        "author_name": commit.author_name,
        "author_email": commit.author_email,
        "author_date": commit.author_date.isoformat(),
        "committer_date": commit.committer_date.isoformat(),
        "message": commit.message,
        "files": [f.to_dict() for f in commit.files],
    }
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def record_fixture(repo_dir: Path, fixture_dir: Path, *, rev: str = "HEAD") -> GitHistory:
    """Record the history of ``rev`` (and its workspace files) as a fixture directory.

    The files are deterministic: recording the same history twice gives identical bytes.
    """
    from spine.changelog.workspace import workspace_files

    scanner = LiveGitScanner(repo_dir, rev=rev)
    history = scanner.scan()
    fixture_dir = Path(fixture_dir)
    fixture_dir.mkdir(parents=True, exist_ok=True)
    lines = "".join(_commit_to_json(c) + "\n" for c in history.commits)
    (fixture_dir / "commits.jsonl").write_text(lines, encoding="utf-8", newline="\n")
    refs = {"head": history.head, "tags": {t.name: t.commit for t in history.tags}}
    (fixture_dir / "refs.json").write_text(
        json.dumps(refs, indent=2, sort_keys=True) + "\n", encoding="utf-8", newline="\n"
    )
    tree = scanner.tree()
    paths = workspace_files(tree)
    for path, text in sorted(tree.read_texts(paths).items()):
        target = fixture_dir / "tree" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
    return history


def scan_git_history(
    *,
    repo_dir: Path | None = None,
    fixture_dir: Path | None = None,
    rev: str = "HEAD",
    workspace: Workspace | None = None,
) -> list[CommitNote]:
    """Scan and parse history into :class:`~spine.changelog.models.CommitNote`, newest first.

    Pass exactly one of ``repo_dir`` (live git) or ``fixture_dir`` (recorded). Packages are
    attributed with ``workspace``, else with the workspace as it was at the covered commit.

    Example:
        >>> scan_git_history(repo_dir=Path("."))[0].kind  # doctest: +SKIP
        <ChangeKind.ADDED: 'added'>
    """
    from spine.changelog.commits import parse_history
    from spine.changelog.workspace import Workspace, load_workspace
    from spine.types.errors import BadParamsError

    scanner: GitScanner
    if repo_dir is not None and fixture_dir is None:
        scanner = LiveGitScanner(repo_dir, rev=rev)
    elif fixture_dir is not None and repo_dir is None:
        scanner = FixtureGitScanner(fixture_dir)
    else:
        raise BadParamsError("scan_git_history needs exactly one of repo_dir= or fixture_dir=")
    history = scanner.scan()
    if workspace is None:
        tree = scanner.tree()
        workspace = load_workspace(tree) if tree is not None else Workspace()
    return parse_history(history, workspace)
