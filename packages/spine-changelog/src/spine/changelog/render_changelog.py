"""Render releases as a Keep a Changelog file, grouped per package and kind.

The file records the commit it describes in a marker comment
(``<!-- spine-changelog: source=<hash> -->``) so ``check`` can regenerate exactly that and
compare byte for byte, however many commits have landed since.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spine.changelog.markdown import MARKER_PREFIX, commit_link, finish, inline
from spine.changelog.workspace import WORKSPACE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from spine.changelog.models import CommitNote
    from spine.changelog.releases import Release

__all__ = ["read_source_marker", "render_changelog", "source_marker"]

_MARKER_RE = re.compile(re.escape(MARKER_PREFIX) + r" source=(?P<commit>[0-9a-f]{7,64}) -->")

_INTRO = """\
All notable changes to the packages of this workspace, newest first, grouped per package.
The format follows [Keep a Changelog](https://keepachangelog.com/en/1.1.0/); versions follow
[Semantic Versioning](https://semver.org/spec/v2.0.0.html) and move in lockstep across
packages. Tests, CI and chores are left out (`spine changelog review` lists them)."""


def source_marker(commit: str) -> str:
    """The marker comment that records the described commit."""
    return f"{MARKER_PREFIX} source={commit} -->"


def read_source_marker(text: str) -> str | None:
    """The commit recorded in a generated changelog, if it has a marker."""
    match = _MARKER_RE.search(text)
    return match.group("commit") if match else None


def _heading(release: Release) -> str:
    if release.version is None:
        return "## [Unreleased]"
    when = release.date.isoformat() if release.date else "Unreleased"
    return f"## [{release.version}] - {when}"


def _link(release: Release, url: str) -> str:
    label = release.version or "Unreleased"
    end = release.tag or release.commit
    if release.previous_tag:
        return f"[{label}]: {url}/compare/{release.previous_tag}...{end}"
    if release.tag:
        return f"[{label}]: {url}/releases/tag/{release.tag}"
    return f"[{label}]: {url}/commits/{release.commit}"


def _entry(note: CommitNote, url: str | None) -> str:
    text = inline(note.description) or inline(note.subject)
    if note.breaking_note:
        text += f" — {inline(note.breaking_note)}"
    return f"- {text} ({commit_link(note.hash, url)})"


def _summary(release: Release) -> list[str]:
    commits = [n for n in release.notes if not n.is_merge]
    count = f"{len(commits)} commit{'s' if len(commits) != 1 else ''}"
    if not release.phases:
        return [f"{count}.", ""]
    lines = [f"{count}, by phase:", ""]
    for span in release.phases:
        first, last = span.first.date().isoformat(), span.last.date().isoformat()
        days = first if first == last else f"{first} to {last}"
        text = f"- **{inline(span.name)}** ({days}, {span.commits} commit"
        text += "s)" if span.commits != 1 else ")"
        if span.description:
            text += f": {inline(span.description)}"
        lines.append(text)
    lines.append("")
    return lines


def render_changelog(
    releases: Sequence[Release],
    *,
    source: str,
    repository_url: str | None = None,
    title: str = "Changelog",
) -> str:
    """The changelog text (deterministic: the same releases give the same bytes)."""
    lines = [
        f"# {title}",
        "",
        _INTRO,
        "",
        source_marker(source),
        "<!-- Generated from the git history up to the commit above: do not edit by hand. "
        "Regenerate with `python -m spine.changelog generate` (or `spine changelog "
        "generate`). -->",
        "",
    ]
    for release in releases:
        lines += [_heading(release), "", *_summary(release)]
        shown = False
        for package in release.packages:
            groups = package.by_kind(include_internal=False)
            if not groups:
                continue
            shown = True
            name = "Workspace" if package.package == WORKSPACE else package.package
            lines += [f"### {name}", ""]
            for kind, notes in groups:
                lines += [f"#### {kind.heading}", ""]
                lines += [_entry(note, repository_url) for note in notes]
                lines.append("")
        if not shown:
            lines += ["No user-facing changes.", ""]
    if repository_url:
        lines += [_link(release, repository_url) for release in releases]
    return finish(lines)
