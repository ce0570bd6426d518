"""Run ``git`` as a subprocess with settings that make its output machine-stable.

User configuration that changes output shapes (signatures in ``log``, quoted paths, colour,
rename detection) is overridden on every call, and git's failures become typed errors that
name the repository.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from spine.changelog.errors import (
    EmptyRepositoryError,
    GitHistoryError,
    NotAGitRepositoryError,
    ShallowCloneError,
    UnknownRevisionError,
)

__all__ = ["Git"]

_STABLE_CONFIG: tuple[str, ...] = (
    "-c",
    "core.quotepath=off",
    "-c",
    "log.showSignature=false",
    "-c",
    "color.ui=false",
    "-c",
    "i18n.logOutputEncoding=UTF-8",
    "-c",
    "diff.renames=true",
    "-c",
    "core.pager=cat",
)


class Git:
    """A repository and the ``git`` calls the scanners need.

    Example:
        >>> Git(Path("/nonexistent")).check_repository()  # doctest: +SKIP
        Traceback (most recent call last):
        spine.changelog.errors.NotAGitRepositoryError: /nonexistent: ...
    """

    def __init__(self, repo_dir: Path, *, executable: str = "git") -> None:
        self.repo_dir = Path(repo_dir)
        self.executable = executable

    def run(
        self, *args: str, input: bytes | None = None, ok_codes: tuple[int, ...] = (0,)
    ) -> bytes:
        """Run ``git args...`` in the repository; return stdout or raise a typed error."""
        return self.call(*args, input=input, ok_codes=ok_codes).stdout

    def call(
        self, *args: str, input: bytes | None = None, ok_codes: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git args...``; return the finished process if its exit code is in ``ok_codes``."""
        env = dict(os.environ)
        env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"})
        command = [self.executable, *_STABLE_CONFIG, *args]
        try:
            done = subprocess.run(
                command,
                cwd=self.repo_dir,
                input=input,
                capture_output=True,
                env=env,
                check=False,
            )
        except FileNotFoundError as exc:
            if not self.repo_dir.is_dir():
                raise NotAGitRepositoryError(
                    f"{self.repo_dir}: no such directory; pass the root of a git repository",
                    path=str(self.repo_dir),
                    cause=exc,
                ) from exc
            raise GitHistoryError(
                f"the git executable {self.executable!r} was not found on PATH; install git "
                "to read history",
                path=str(self.repo_dir),
                cause=exc,
            ) from exc
        except NotADirectoryError as exc:
            raise NotAGitRepositoryError(
                f"{self.repo_dir}: not a directory; pass the root of a git repository",
                path=str(self.repo_dir),
                cause=exc,
            ) from exc
        if done.returncode not in ok_codes:
            stderr = done.stderr.decode("utf-8", "replace").strip()
            if "not a git repository" in stderr.lower():
                raise NotAGitRepositoryError(
                    f"{self.repo_dir}: not a git repository (git says: {stderr}); pass the "
                    "root of a git checkout, or use FixtureGitScanner for recorded history",
                    path=str(self.repo_dir),
                )
            raise GitHistoryError(
                f"{self.repo_dir}: `git {' '.join(args)}` failed with exit code "
                f"{done.returncode}: {stderr}",
                path=str(self.repo_dir),
            )
        return done

    def text(self, *args: str) -> str:
        """``run`` decoded as UTF-8 (undecodable bytes replaced), surrounding space stripped."""
        return self.run(*args).decode("utf-8", "replace").strip()

    def check_repository(self) -> None:
        """Raise unless this is a complete (non-shallow) repository with at least one commit."""
        self.text("rev-parse", "--git-dir")
        if self.text("rev-parse", "--is-shallow-repository") == "true":
            raise ShallowCloneError(
                f"{self.repo_dir}: this is a shallow clone, so older commits and tags are "
                "missing and the history would be wrong; run `git fetch --unshallow --tags` "
                "(in CI: actions/checkout with fetch-depth: 0)",
                path=str(self.repo_dir),
            )
        probe = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", ok_codes=(0, 1))
        if not probe.strip():
            raise EmptyRepositoryError(
                f"{self.repo_dir}: the repository has no commits yet; commit something "
                "before generating a changelog",
                path=str(self.repo_dir),
            )

    def resolve(self, rev: str) -> str:
        """The full hash of the commit ``rev`` names, or :class:`UnknownRevisionError`."""
        if rev.startswith("-"):
            raise UnknownRevisionError(
                f"{rev!r} is not a revision (it looks like an option)", path=str(self.repo_dir)
            )
        out = self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", ok_codes=(0, 1))
        found = out.decode("ascii", "replace").strip()
        if not found:
            raise UnknownRevisionError(
                f"{self.repo_dir}: {rev!r} does not name a commit (a tag, branch or hash "
                "is expected; fetch tags with `git fetch --tags` if it is a tag)",
                path=str(self.repo_dir),
            )
        return found

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether commit ``ancestor`` is in the history of commit ``descendant``."""
        done = self.call("merge-base", "--is-ancestor", ancestor, descendant, ok_codes=(0, 1))
        return done.returncode == 0
