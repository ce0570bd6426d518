"""`spine.changelog`: release notes, review notes, an API index and diagrams, generated from
docstrings and git history.

- :class:`ChangelogGenerator` runs ``scan() → parse() → merge() → render() → write()`` and
  writes a Keep a Changelog ``CHANGELOG.md`` (per version, per package, per kind), an API
  index (``index.md`` + ``index.json``) and ``diagrams/``; ``review()`` renders REVIEW.md
  (changes and public API diff since a ref); ``check()`` says which checked-in output is stale.
- :func:`scan_git_history` reads history with :class:`LiveGitScanner` (``git`` subprocess) or
  :class:`FixtureGitScanner` (recorded files) into :class:`CommitNote` objects.
- A phase map (TOML) names stretches of history; the API is read with ``ast`` (nothing is
  imported); output is deterministic (same input, same bytes).

Command line: ``python -m spine.changelog generate|review|api-index|diagrams|check`` (stdlib
only), or ``spine changelog ...`` with ``pip install "spine-changelog[cli]"``.

Example:
    >>> from pathlib import Path
    >>> from spine.changelog import ChangelogGenerator
    >>> report = ChangelogGenerator(Path(".")).run()  # doctest: +SKIP
    >>> report.written  # doctest: +SKIP
    ('CHANGELOG.md', 'docs/api/index.json', 'docs/api/index.md')
"""

from __future__ import annotations

from spine.changelog.errors import (
    ChangelogConfigError,
    ChangelogError,
    EmptyRepositoryError,
    FixtureError,
    GitHistoryError,
    ModuleParseError,
    NotAGitRepositoryError,
    PhaseMapError,
    ShallowCloneError,
    StaleOutputError,
    UnknownRevisionError,
)
from spine.types.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.changelog.api_diff import ApiChange, diff_api
    from spine.changelog.api_scan import (
        ApiIndex,
        ApiMember,
        ApiSymbol,
        ModuleApi,
        PackageApi,
        scan_sources,
    )
    from spine.changelog.config import ChangelogConfig, load_config
    from spine.changelog.diagrams import Diagram, dependency_graph, find_diagrams
    from spine.changelog.generator import ChangelogGenerator, CheckReport, Target
    from spine.changelog.git_scan import (
        FixtureGitScanner,
        GitScanner,
        LiveGitScanner,
        record_fixture,
        scan_git_history,
    )
    from spine.changelog.models import (
        ChangeKind,
        CommitNote,
        FileChange,
        GitHistory,
        RawCommit,
        TagRef,
    )
    from spine.changelog.output import OutputSet, WriteReport
    from spine.changelog.phases import Phase, PhaseMap, load_phase_map, parse_phase_map
    from spine.changelog.releases import Release, build_releases
    from spine.changelog.tree import DirectoryTree, GitTree, SourceTree
    from spine.changelog.workspace import Package, Workspace, load_workspace

_LAZY: dict[str, str] = {
    "ApiChange": "spine.changelog.api_diff",
    "diff_api": "spine.changelog.api_diff",
    "ApiIndex": "spine.changelog.api_scan",
    "ApiMember": "spine.changelog.api_scan",
    "ApiSymbol": "spine.changelog.api_scan",
    "ModuleApi": "spine.changelog.api_scan",
    "PackageApi": "spine.changelog.api_scan",
    "scan_sources": "spine.changelog.api_scan",
    "ChangelogConfig": "spine.changelog.config",
    "load_config": "spine.changelog.config",
    "Diagram": "spine.changelog.diagrams",
    "dependency_graph": "spine.changelog.diagrams",
    "find_diagrams": "spine.changelog.diagrams",
    "ChangelogGenerator": "spine.changelog.generator",
    "CheckReport": "spine.changelog.generator",
    "Target": "spine.changelog.generator",
    "FixtureGitScanner": "spine.changelog.git_scan",
    "GitScanner": "spine.changelog.git_scan",
    "LiveGitScanner": "spine.changelog.git_scan",
    "record_fixture": "spine.changelog.git_scan",
    "scan_git_history": "spine.changelog.git_scan",
    "ChangeKind": "spine.changelog.models",
    "CommitNote": "spine.changelog.models",
    "FileChange": "spine.changelog.models",
    "GitHistory": "spine.changelog.models",
    "RawCommit": "spine.changelog.models",
    "TagRef": "spine.changelog.models",
    "OutputSet": "spine.changelog.output",
    "WriteReport": "spine.changelog.output",
    "Phase": "spine.changelog.phases",
    "PhaseMap": "spine.changelog.phases",
    "load_phase_map": "spine.changelog.phases",
    "parse_phase_map": "spine.changelog.phases",
    "Release": "spine.changelog.releases",
    "build_releases": "spine.changelog.releases",
    "DirectoryTree": "spine.changelog.tree",
    "GitTree": "spine.changelog.tree",
    "SourceTree": "spine.changelog.tree",
    "Package": "spine.changelog.workspace",
    "Workspace": "spine.changelog.workspace",
    "load_workspace": "spine.changelog.workspace",
}

__all__ = [
    "ApiChange",
    "ApiIndex",
    "ApiMember",
    "ApiSymbol",
    "ChangeKind",
    "ChangelogConfig",
    "ChangelogConfigError",
    "ChangelogError",
    "ChangelogGenerator",
    "CheckReport",
    "CommitNote",
    "Diagram",
    "DirectoryTree",
    "EmptyRepositoryError",
    "FileChange",
    "FixtureError",
    "FixtureGitScanner",
    "GitHistory",
    "GitHistoryError",
    "GitScanner",
    "GitTree",
    "LiveGitScanner",
    "ModuleApi",
    "ModuleParseError",
    "NotAGitRepositoryError",
    "OutputSet",
    "Package",
    "PackageApi",
    "Phase",
    "PhaseMap",
    "PhaseMapError",
    "RawCommit",
    "Release",
    "ShallowCloneError",
    "SourceTree",
    "StaleOutputError",
    "TagRef",
    "Target",
    "UnknownRevisionError",
    "Workspace",
    "WriteReport",
    "build_releases",
    "dependency_graph",
    "diff_api",
    "find_diagrams",
    "load_config",
    "load_phase_map",
    "load_workspace",
    "parse_phase_map",
    "record_fixture",
    "scan_git_history",
    "scan_sources",
]

__getattr__, __dir__ = lazy_exports("spine.changelog", _LAZY, globals())
