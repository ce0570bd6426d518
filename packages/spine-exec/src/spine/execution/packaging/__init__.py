"""`spine.execution.packaging`: a workflow as one runnable file (a Python zip application).

::

    WorkflowPackager
    ├── .package(workflow, "w.pyz")  ──► w.pyz   (python w.pyz --params '{...}')
    ├── .inspect("w.pyz")            ──► PackageManifest
    └── .unpack("w.pyz", "dir/")     ──► the files, for review

What goes in:

- **operation steps** by name; the target environment must have the operations installed.
  With a ``registry``, each operation's handler is recorded by its import reference
  (``module:function``) and registered on the target's default dispatcher before the run;
  ``operation_modules`` are imported first (modules that register operations themselves).
- **lambda steps with named functions** by *source* (``inspect.getsource`` plus the import
  statements of their module), so a function from a notebook or a script travels with the
  workflow. Inline lambdas and closures are **not portable**: they are skipped with a
  :class:`PackagingWarning` (and dependencies on them dropped).
- every other step (choice, wait, map, function steps with an import reference) as its
  ``Step.to_dict()``, rebuilt on the other side with ``Step.from_dict()``.

The archive's ``__main__`` runs the workflow with spine-orch's ``WorkflowRunner`` (the target
needs spine-orch installed, like the operations) and prints the result as JSON; it exits 0
when the run completed, 1 otherwise. This module works on the workflow object it is given
and does not import spine-orch (packages import only downwards).

Usage::

    from spine.orchestration import Workflow, Step
    from spine.execution.packaging import WorkflowPackager

    wf = Workflow(
        name="my.operation",
        steps=[
            Step.operation("ingest", "my.ingest"),
            Step.operation("transform", "my.transform"),
        ],
    )

    packager = WorkflowPackager()
    path = packager.package(wf, "my_operation.pyz")
    print(f"Created {path}  ({path.stat().st_size} bytes)")
"""

from __future__ import annotations

from spine.execution.packaging.packager import PackageManifest, PackagingWarning, WorkflowPackager

__all__ = ["PackageManifest", "PackagingWarning", "WorkflowPackager"]
