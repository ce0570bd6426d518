"""ChangelogGenerator: docstrings + git history + phase map -> changelog, review, API index,
diagrams.

::

    ┌─────────────┐  ┌──────────────┐  ┌──────────────┐
    │  Docstrings │  │  Git History │  │  Phase Map   │
    └──────┬──────┘  └──────┬───────┘  └──────┬───────┘
           │                │                 │
           ▼                ▼                 ▼
    ┌──────────────────────────────────────────────────┐
    │              ChangelogGenerator                  │
    │  scan() → parse() → merge() → render() → write() │
    └───┬──────────┬──────────┬──────────┬─────────────┘
        ▼          ▼          ▼          ▼
    CHANGELOG  REVIEW.md  api_index  diagrams/

Example:
    >>> gen = ChangelogGenerator(Path("."))                        # doctest: +SKIP
    >>> report = gen.run()                                         # doctest: +SKIP
    >>> gen.check().ok                                             # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from spine.changelog.api_diff import diff_api
from spine.changelog.api_scan import scan_sources
from spine.changelog.commits import parse_history
from spine.changelog.config import ChangelogConfig, load_config
from spine.changelog.diagrams import find_diagrams, render_diagram_files
from spine.changelog.errors import StaleOutputError, UnknownRevisionError
from spine.changelog.git_scan import LiveGitScanner
from spine.changelog.gitcmd import Git
from spine.changelog.graph import CommitGraph
from spine.changelog.output import (
    OutputSet,
    Staleness,
    WriteReport,
    compare_outputs,
    write_outputs,
)
from spine.changelog.phases import assign_phases, load_phase_map
from spine.changelog.releases import build_releases, group_by_package, newest_first
from spine.changelog.render_api import render_api_json, render_api_markdown
from spine.changelog.render_changelog import read_source_marker, render_changelog
from spine.changelog.render_review import ReviewRange, render_review
from spine.changelog.tree import DirectoryTree, GitTree
from spine.changelog.workspace import Workspace, load_workspace
from spine.types.errors import BadParamsError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from spine.changelog.api_scan import ApiIndex, SourceScan
    from spine.changelog.diagrams import Diagram
    from spine.changelog.git_scan import GitScanner
    from spine.changelog.models import CommitNote, GitHistory
    from spine.changelog.phases import PhaseMap
    from spine.changelog.releases import Release
    from spine.changelog.tree import SourceTree

__all__ = [
    "ALL_TARGETS",
    "ChangelogGenerator",
    "ChangelogModel",
    "CheckReport",
    "ParseResult",
    "ScanResult",
    "Target",
]


class Target(StrEnum):
    """The checked-in outputs ``generate`` writes and ``check`` verifies."""

    CHANGELOG = "changelog"
    API_INDEX = "api-index"
    DIAGRAMS = "diagrams"


ALL_TARGETS: frozenset[Target] = frozenset(Target)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """``scan()``: raw inputs.

    ``history`` and ``history_workspace`` (the workspace as it was at the covered commit) are
    ``None`` unless the changelog is a target; ``tree``/``workspace`` are the working tree
    (``workspace`` is read from it only when the API index or diagrams are targets).
    """

    history: GitHistory | None
    history_workspace: Workspace | None
    tree: SourceTree
    workspace: Workspace
    phase_map: PhaseMap | None


@dataclass(frozen=True, slots=True)
class ParseResult:
    """``parse()``: commit notes with their phases, and the parsed sources."""

    scan: ScanResult
    notes: tuple[CommitNote, ...]
    phase_of: Mapping[str, str]
    sources: SourceScan | None


@dataclass(frozen=True, slots=True)
class ChangelogModel:
    """``merge()``: what gets rendered."""

    source: str | None
    releases: tuple[Release, ...]
    api: ApiIndex | None
    diagrams: tuple[Diagram, ...] | None
    workspace: Workspace


@dataclass(frozen=True, slots=True)
class CheckReport:
    """``check()``: stale outputs (empty when up to date) and informational notes."""

    problems: tuple[Staleness, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether every checked-in output is up to date."""
        return not self.problems

    def raise_if_stale(self) -> None:
        """Raise :class:`StaleOutputError` naming the first stale output, if any."""
        if self.problems:
            first = self.problems[0]
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise StaleOutputError(
                f"{first.path}: {first.reason}{more}; regenerate with "
                "`python -m spine.changelog generate` and commit the result",
                path=first.path,
            )


class ChangelogGenerator:
    """Build the changelog, API index and diagrams of a workspace, or check them.

    Args:
        root: The workspace root (where ``pyproject.toml`` and the outputs live).
        scanner: Where history comes from; a :class:`LiveGitScanner` of ``root`` at ``rev``
            by default (pass a ``FixtureGitScanner`` for recorded history).
        rev: The commit the changelog describes (``HEAD`` by default).
        config: Settings; read from ``[tool.spine-changelog]`` of ``root`` by default.
        targets: Which outputs to produce (all by default).
        output_root: Write under this directory instead of ``root`` (previews, benchmarks).
    """

    def __init__(
        self,
        root: Path = Path("."),
        *,
        scanner: GitScanner | None = None,
        rev: str = "HEAD",
        config: ChangelogConfig | None = None,
        targets: Iterable[Target | str] = ALL_TARGETS,
        output_root: Path | None = None,
    ) -> None:
        self.root = Path(root)
        self.config = config if config is not None else load_config(self.root)
        self.rev = rev
        self.scanner: GitScanner = scanner or LiveGitScanner(self.root, rev=rev)
        self.targets = frozenset(Target(t) for t in targets)
        self.output_root = Path(output_root) if output_root is not None else self.root

    # --- the pipeline ----------------------------------------------------------------------

    def scan(self) -> ScanResult:
        """Read history (when the changelog is a target), the working tree and the phase map."""
        tree = DirectoryTree(self.root)
        from_tree = self.targets & {Target.API_INDEX, Target.DIAGRAMS}
        workspace = load_workspace(tree) if from_tree else None
        history = history_workspace = phase_map = None
        if Target.CHANGELOG in self.targets:
            if self.config.phase_map is not None:
                phase_map = load_phase_map(self.root / self.config.phase_map, self.config.phase_map)
            history = self.scanner.scan()
            at_commit = self.scanner.tree()
            history_workspace = load_workspace(at_commit if at_commit is not None else tree)
        current = workspace or history_workspace or Workspace()
        return ScanResult(history, history_workspace, tree, current, phase_map)

    def parse(self, scan: ScanResult) -> ParseResult:
        """Commits into notes (and phases); modules into the API index and docstrings."""
        notes: tuple[CommitNote, ...] = ()
        phase_of: dict[str, str] = {}
        if scan.history is not None and scan.history_workspace is not None:
            notes = tuple(parse_history(scan.history, scan.history_workspace))
            if scan.phase_map is not None:
                tags = {t.name: t.commit for t in scan.history.tags}
                phase_of = assign_phases(scan.phase_map, notes, tags, scan.history.head)
        sources = None
        if self.targets & {Target.API_INDEX, Target.DIAGRAMS}:
            sources = scan_sources(scan.tree, scan.workspace)
        return ParseResult(scan, notes, phase_of, sources)

    def merge(self, parsed: ParseResult) -> ChangelogModel:
        """Group notes into releases, packages and kinds; collect the diagrams."""
        scan = parsed.scan
        releases: tuple[Release, ...] = ()
        source = None
        if scan.history is not None and scan.history_workspace is not None:
            source = scan.history.head
            descriptions = (
                {p.name: p.description for p in scan.phase_map.phases} if scan.phase_map else {}
            )
            releases = build_releases(
                parsed.notes,
                scan.history.tags,
                head=scan.history.head,
                workspace=scan.history_workspace,
                tag_pattern=self.config.tag_regex,
                phase_of=parsed.phase_of,
                phase_descriptions=descriptions,
            )
        api = parsed.sources.api if parsed.sources is not None else None
        diagrams = None
        if parsed.sources is not None and Target.DIAGRAMS in self.targets:
            diagrams = find_diagrams(parsed.sources.docstrings)
        return ChangelogModel(source, releases, api, diagrams, scan.workspace)

    def render(self, model: ChangelogModel) -> OutputSet:
        """The text of every output file (nothing is written)."""
        files: dict[str, str] = {}
        owned: list[str] = []
        if Target.CHANGELOG in self.targets and model.source is not None:
            files[self.config.changelog] = render_changelog(
                model.releases, source=model.source, repository_url=self.config.repository_url
            )
        if Target.API_INDEX in self.targets and model.api is not None:
            files[f"{self.config.api_index}/index.md"] = render_api_markdown(model.api)
            files[f"{self.config.api_index}/index.json"] = render_api_json(model.api)
        if Target.DIAGRAMS in self.targets and model.diagrams is not None:
            for name, text in render_diagram_files(model.diagrams, model.workspace).items():
                files[f"{self.config.diagrams}/{name}"] = text
            owned.append(self.config.diagrams)
        return OutputSet(files, tuple(owned))

    def write(self, outputs: OutputSet) -> WriteReport:
        """Write the outputs under ``output_root``, all or nothing."""
        return write_outputs(self.output_root, outputs)

    def outputs(self) -> OutputSet:
        """``scan() → parse() → merge() → render()``."""
        return self.render(self.merge(self.parse(self.scan())))

    def run(self) -> WriteReport:
        """``scan() → parse() → merge() → render() → write()``."""
        return self.write(self.outputs())

    # --- review and check ------------------------------------------------------------------

    def review(self, since: str, until: str | None = None) -> str:
        """REVIEW.md text: commits in ``since..until`` (HEAD) per package, and the API diff
        between ``since`` and ``until`` (the working tree when ``until`` is ``None``)."""
        if not isinstance(self.scanner, LiveGitScanner):
            raise BadParamsError("review needs a live git repository (not a fixture)")
        git = Git(self.root)
        git.check_repository()
        since_commit = git.resolve(since)
        until_commit = git.resolve(until or "HEAD")
        scanner = LiveGitScanner(self.root, rev=until_commit)
        history = scanner.scan()
        after_tree: SourceTree = DirectoryTree(self.root) if until is None else scanner.tree()
        after_workspace = load_workspace(after_tree)
        notes = parse_history(history, load_workspace(scanner.tree()))
        graph = CommitGraph.from_notes(notes)
        in_range = graph.reachable(until_commit) - graph.reachable(since_commit)
        chosen = newest_first(n for n in notes if n.hash in in_range)
        before_tree = GitTree(git, since_commit, label=since)
        before = scan_sources(before_tree, load_workspace(before_tree)).api
        after = scan_sources(after_tree, after_workspace).api
        return render_review(
            ReviewRange(since, since_commit, until, until_commit),
            chosen,
            group_by_package(chosen, after_workspace),
            diff_api(before, after),
            after_workspace,
            repository_url=self.config.repository_url,
        )

    def check(self) -> CheckReport:
        """Compare every checked-in output with what would be generated now.

        The changelog is regenerated from the commit its marker records (so commits landing
        after it never make it stale); the API index and diagrams from the working tree.
        """
        problems: list[Staleness] = []
        notes: list[str] = []
        if Target.CHANGELOG in self.targets:
            problems += self._check_changelog(notes)
        tree_targets = self.targets & {Target.API_INDEX, Target.DIAGRAMS}
        if tree_targets:
            expected = ChangelogGenerator(
                self.root, config=self.config, targets=tree_targets, scanner=self.scanner
            ).outputs()
            problems += compare_outputs(self.output_root, expected)
        return CheckReport(tuple(problems), tuple(notes))

    def _check_changelog(self, notes: list[str]) -> list[Staleness]:
        path = self.config.changelog
        target = self.output_root / path
        if not target.is_file():
            return [Staleness(path, "missing")]
        recorded = read_source_marker(target.read_text(encoding="utf-8", errors="replace"))
        if recorded is None:
            return [Staleness(path, "has no `<!-- spine-changelog: source=... -->` marker")]
        git = Git(self.root)
        git.check_repository()
        try:
            source = git.resolve(recorded)
        except UnknownRevisionError:
            return [
                Staleness(
                    path,
                    f"was generated from commit {recorded[:12]}, which this repository does "
                    "not have (rewritten history?)",
                )
            ]
        head = git.resolve("HEAD")
        if not git.is_ancestor(source, head):
            return [
                Staleness(
                    path,
                    f"was generated from commit {source[:12]}, which is not in the history "
                    "of HEAD (rebased or amended?)",
                )
            ]
        expected = ChangelogGenerator(
            self.root, rev=source, config=self.config, targets={Target.CHANGELOG}
        ).outputs()
        behind = int(git.text("rev-list", "--count", f"{source}..{head}"))
        notes.append(
            f"{path} describes history up to {source[:12]}"
            + (
                f" ({behind} newer commit{'s' if behind != 1 else ''} not yet described)"
                if behind
                else " (HEAD)"
            )
        )
        return compare_outputs(self.output_root, expected)
