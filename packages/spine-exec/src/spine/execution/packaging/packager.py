"""WorkflowPackager and PackageManifest (see :mod:`spine.execution.packaging`)."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import json
import sys
import textwrap
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spine.execution.registry import HandlerRegistry
from spine.execution.runtimes.entrypoint import handler_reference
from spine.types import ValidationError
from spine.types.timestamps import utc_now

__all__ = ["PackageManifest", "PackagingWarning", "WorkflowPackager"]

FORMAT_VERSION = 1
MANIFEST = "spine_package/manifest.json"
WORKFLOW = "spine_package/workflow.json"
HANDLERS = "_spine_pkg_handlers"


class PackagingWarning(UserWarning):
    """A step could not be packaged (an inline lambda or a closure) and was left out."""


@dataclass(frozen=True, slots=True)
class PackageManifest:
    """What a ``.pyz`` holds.

    Attributes:
        workflow_name: The packaged workflow.
        format_version: Layout version of the archive.
        created_at: ISO-8601 UTC.
        python_version: The packaging interpreter (``3.11.7``).
        spine_version: spine-exec's version.
        steps: Packaged steps in order: ``{"name", "type", "packaged_as"}`` with
            ``packaged_as`` one of ``definition``, ``source``, ``operation``.
        operations: Operation name -> handler reference (``None``: the target provides it).
        operation_modules: Modules the archive imports before running.
        skipped: Steps left out: ``{"step", "reason"}``.
        workflow_sha256: Digest of the packaged workflow definition.
    """

    workflow_name: str
    format_version: int
    created_at: str
    python_version: str
    spine_version: str
    steps: tuple[Mapping[str, Any], ...]
    operations: Mapping[str, str | None]
    operation_modules: tuple[str, ...] = ()
    skipped: tuple[Mapping[str, Any], ...] = ()
    workflow_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dataclasses.asdict(self)
        out["steps"] = [dict(s) for s in self.steps]
        out["skipped"] = [dict(s) for s in self.skipped]
        out["operation_modules"] = list(self.operation_modules)
        out["operations"] = dict(self.operations)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PackageManifest:
        """Rebuild from :meth:`to_dict`."""
        return cls(
            workflow_name=str(data["workflow_name"]),
            format_version=int(data["format_version"]),
            created_at=str(data["created_at"]),
            python_version=str(data["python_version"]),
            spine_version=str(data["spine_version"]),
            steps=tuple(data.get("steps", ())),
            operations=dict(data.get("operations", {})),
            operation_modules=tuple(data.get("operation_modules", ())),
            skipped=tuple(data.get("skipped", ())),
            workflow_sha256=str(data.get("workflow_sha256", "")),
        )


def _spine_version() -> str:
    try:
        from importlib.metadata import version

        return version("spine-exec")
    except Exception:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


def _inline_reason(fn: Any) -> str | None:
    qualname = getattr(fn, "__qualname__", "") or ""
    if getattr(fn, "__name__", "") == "<lambda>":
        return "an inline lambda has no source of its own"
    if "<locals>" in qualname or getattr(fn, "__closure__", None):
        return "a closure depends on variables of the function that made it"
    if not inspect.isfunction(fn):
        return f"{type(fn).__name__} objects cannot be packaged by source"
    return None


def _module_imports(fn: Any) -> list[str]:
    """The top-level import statements of ``fn``'s module (best effort)."""
    module = inspect.getmodule(fn)
    if module is None:
        return []
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return []
    return [
        ast.unparse(node)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.ImportFrom) and node.level)  # relative imports: no
    ]


_MAIN = '''"""Run the packaged spine workflow: python {archive} [--params JSON | --params-file F]"""
import argparse
import importlib
import json
import sys
import zipfile


def _read(name):
    with zipfile.ZipFile(sys.argv[0] if zipfile.is_zipfile(sys.argv[0]) else __file__) as z:
        return json.loads(z.read(name))


def _load(name):
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, name)
    if os.path.exists(path):  # unpacked
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return _read(name)


def main():
    parser = argparse.ArgumentParser(description="run the packaged workflow")
    parser.add_argument("--params", default=None, help="run params as a JSON object")
    parser.add_argument("--params-file", default=None, help="a file holding the params")
    args = parser.parse_args()
    params = {{}}
    if args.params_file:
        with open(args.params_file, encoding="utf-8") as f:
            params = json.load(f)
    elif args.params:
        params = json.loads(args.params)
    manifest = _load("{manifest}")
    definition = _load("{workflow}")
    for module in manifest.get("operation_modules", []):
        importlib.import_module(module)
    from spine.orchestration import Workflow, WorkflowRunner
    from spine.orchestration.dispatcher_runnable import default_dispatcher

    registry = default_dispatcher().registry
    for name, ref in manifest.get("operations", {{}}).items():
        if ref and name not in registry:
            module_name, _, qualname = ref.partition(":")
            obj = importlib.import_module(module_name)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            registry.register(name, obj, kind="operation")
    workflow = Workflow.from_dict(definition)
    result = WorkflowRunner().execute(workflow, params)
    out = {{
        "workflow": result.workflow_name,
        "status": result.status.value,
        "error": result.error,
        "steps": {{
            name: {{"status": o.status.value, "output": o.output, "error": o.error}}
            for name, o in result.steps.items()
        }},
    }}
    print(json.dumps(out, default=str, sort_keys=True))
    return 0 if result.status.value == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
'''


class WorkflowPackager:
    """Packages workflows into runnable ``.pyz`` files (see :mod:`spine.execution.packaging`).

    Args:
        registry: Where operation handlers are looked up to record their references
            (default: none - the target provides the operations).
        operation_modules: Modules the archive imports before running (they register
            operations).
        interpreter: The shebang line's interpreter.
    """

    def __init__(
        self,
        *,
        registry: HandlerRegistry | None = None,
        operation_modules: Iterable[str] = (),
        interpreter: str = "/usr/bin/env python3",
    ) -> None:
        self.registry = registry
        self.operation_modules = tuple(operation_modules)
        self.interpreter = interpreter

    # -- package ---------------------------------------------------------------------------
    def _step_data(
        self, step: Any, handlers: dict[str, str]
    ) -> tuple[dict[str, Any] | None, str, str | None]:
        """(data, packaged_as, reason to skip)."""
        step_type = str(getattr(getattr(step, "step_type", None), "value", ""))
        fn = getattr(step, "fn", None)
        if step_type == "lambda" and fn is not None:
            reason = _inline_reason(fn)
            if reason is not None:
                return None, "", reason
            try:
                source = textwrap.dedent(inspect.getsource(fn))
            except (OSError, TypeError) as exc:
                return None, "", f"the source of {fn.__qualname__} is not available: {exc}"
            module_name = f"h_{len(handlers):03d}_{step.name.replace('-', '_')}"
            imports = "\n".join(_module_imports(fn))
            handlers[module_name] = f"{imports}\n\n\n{source}"
            data = dataclasses.replace(step, fn=None).to_dict()
            data["ref"] = f"{HANDLERS}.{module_name}:{fn.__name__}"
            return data, "source", None
        try:
            data = step.to_dict()
        except Exception as exc:  # an inline callable with no import reference
            return None, "", str(exc)
        return data, "operation" if step_type == "operation" else "definition", None

    def _definition(
        self, workflow: Any
    ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str], list[dict[str, Any]]]:
        handlers: dict[str, str] = {}
        kept: list[dict[str, Any]] = []
        listed: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        first_kept: Any = None
        for step in workflow.steps:
            data, packaged_as, reason = self._step_data(step, handlers)
            if data is None:
                skipped.append({"step": step.name, "reason": reason})
                warnings.warn(
                    f"workflow {workflow.name!r}: step {step.name!r} is not packaged ({reason}); "
                    "use a named module-level function to package it",
                    PackagingWarning,
                    stacklevel=3,
                )
                continue
            if first_kept is None:
                first_kept = dataclasses.replace(step, fn=None) if packaged_as == "source" else step
            kept.append(data)
            listed.append({"name": step.name, "type": data["type"], "packaged_as": packaged_as})
        if not kept:
            raise ValidationError(
                f"workflow {workflow.name!r} has no step that can be packaged (every step is an "
                "inline lambda or closure)"
            )
        gone = {s["step"] for s in skipped}
        for data in kept:
            for target in ("then", "else"):
                if data.get(target) in gone:
                    raise ValidationError(
                        f"workflow {workflow.name!r}: choice step {data['name']!r} branches to "
                        f"{data[target]!r}, which cannot be packaged"
                    )
            if "depends_on" in data:
                data["depends_on"] = [d for d in data["depends_on"] if d not in gone]
                if not data["depends_on"]:
                    del data["depends_on"]
        # the workflow's own fields (policy, params schema...) as its to_dict() writes them
        header: dict[str, Any] = workflow.replace(steps=[first_kept.with_depends_on([])]).to_dict()
        header.pop("steps", None)
        header["steps"] = kept
        return header, listed, handlers, skipped

    def package(self, workflow: Any, output: str | Path) -> Path:
        """Write ``workflow`` as a runnable zip application at ``output``.

        Raises:
            ValidationError: nothing in the workflow can be packaged, or a kept choice
                step branches to a step that cannot be.
        """
        definition, steps, handlers, skipped = self._definition(workflow)
        operations: dict[str, str | None] = {}
        for data in definition["steps"]:
            for op in _operation_names(data):
                operations[op] = self._reference(op)
        encoded = json.dumps(definition, sort_keys=True, indent=2, default=str)
        manifest = PackageManifest(
            workflow_name=str(workflow.name),
            format_version=FORMAT_VERSION,
            created_at=utc_now().isoformat(),
            python_version=".".join(str(v) for v in sys.version_info[:3]),
            spine_version=_spine_version(),
            steps=tuple(steps),
            operations=operations,
            operation_modules=self.operation_modules,
            skipped=tuple(skipped),
            workflow_sha256=hashlib.sha256(encoded.encode()).hexdigest(),
        )
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".partial")
        with tmp.open("wb") as raw:
            raw.write(f"#!{self.interpreter}\n".encode())
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(
                    "__main__.py",
                    _MAIN.format(archive=path.name, manifest=MANIFEST, workflow=WORKFLOW),
                )
                archive.writestr(MANIFEST, json.dumps(manifest.to_dict(), indent=2, sort_keys=True))
                archive.writestr(WORKFLOW, encoded)
                archive.writestr(f"{HANDLERS}/__init__.py", "")
                for module_name, source in sorted(handlers.items()):
                    archive.writestr(f"{HANDLERS}/{module_name}.py", source)
        tmp.chmod(0o755)
        tmp.replace(path)  # never a half-written archive under the real name
        return path

    def _reference(self, operation: str) -> str | None:
        if self.registry is None or operation not in self.registry:
            return None
        return handler_reference(self.registry.get(operation).fn)

    # -- inspect / unpack -----------------------------------------------------------------
    def inspect(self, path: str | Path) -> PackageManifest:
        """The manifest of a packaged workflow.

        Raises:
            ValidationError: not a spine workflow package.
        """
        try:
            with zipfile.ZipFile(path) as archive:
                data = json.loads(archive.read(MANIFEST))
        except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
            raise ValidationError(f"{path} is not a spine workflow package: {exc}") from exc
        return PackageManifest.from_dict(data)

    def unpack(self, path: str | Path, destination: str | Path) -> Path:
        """Extract the package into ``destination`` (created); returns it.

        Raises:
            ValidationError: not a spine workflow package, or a member would land outside
                ``destination``.
        """
        self.inspect(path)
        target = Path(destination).resolve()
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                landing = (target / member).resolve()
                if not landing.is_relative_to(target):
                    raise ValidationError(f"{path}: member {member!r} points outside the target")
            archive.extractall(target)
        return target


def _operation_names(data: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    if data.get("type") == "operation" and isinstance(data.get("operation"), str):
        names.append(data["operation"])
    inner = data.get("step")
    if isinstance(inner, Mapping):
        names.extend(_operation_names(inner))
    return names
