"""Exit codes and the one-line error report of the ``spine`` command.

Every command runs inside :func:`guard`: a spine error becomes one line on stderr with a hint
and the exit code it deserves, never a traceback (unless ``--debug``).

======  ==========================================================================
code    meaning
======  ==========================================================================
0       ok
1       the work failed (a run ended FAILED, a lint found errors, a database error)
2       bad usage or input (unknown file, malformed ``--param``, invalid workflow,
        unreachable database, unknown id)
======  ==========================================================================
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import NoReturn

import typer

from spine.types import (
    ConfigError,
    DatabaseConnectionError,
    SpineError,
    ValidationError,
)

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "CliError", "fail", "guard", "report"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """An error the command reports as one line (``error: …``) plus a hint.

    Args:
        message: What went wrong.
        hint: What to do about it.
        code: Exit code (:data:`EXIT_USAGE` for bad input, :data:`EXIT_FAILED` for failed
            work).
    """

    def __init__(self, message: str, *, hint: str | None = None, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


def fail(message: str, *, hint: str | None = None, code: int = EXIT_USAGE) -> NoReturn:
    """Raise :class:`CliError` (a shorthand for commands)."""
    raise CliError(message, hint=hint, code=code)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def report(message: str, hint: str | None = None) -> None:
    """Print ``error: message`` (and ``hint: …``) on stderr."""
    line = f"error: {_one_line(message)}"
    if hint:
        line += f" (hint: {_one_line(hint)})"
    print(line, file=sys.stderr)


def classify(exc: BaseException) -> CliError:
    """The :class:`CliError` an exception is reported as."""
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, DatabaseConnectionError):
        return CliError(
            f"cannot reach the database: {exc.message}",
            hint="check --db / SPINE_DATABASE_URL and that the server is up",
            code=EXIT_USAGE,
        )
    if isinstance(exc, ConfigError):
        return CliError(exc.message, hint="check the configuration and options", code=EXIT_USAGE)
    if isinstance(exc, ValidationError):
        return CliError(exc.message, hint=_hint_for(exc), code=EXIT_USAGE)
    if isinstance(exc, SpineError) and isinstance(exc, ValueError | LookupError):
        # bad input by another name: an invalid schedule, an unknown name or id
        return CliError(exc.message, hint="check the names and values given", code=EXIT_USAGE)
    if isinstance(exc, SpineError):
        return CliError(exc.message, hint="run again with --debug for details", code=EXIT_FAILED)
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
        return CliError(str(exc), hint="check the path", code=EXIT_USAGE)
    return CliError(
        f"unexpected {type(exc).__name__}: {exc}",
        hint="run again with --debug to see the traceback",
        code=EXIT_FAILED,
    )


def _hint_for(exc: ValidationError) -> str:
    context = exc.context
    step = getattr(context, "step", None) if context is not None else None
    if step:
        return f"fix step {step!r} and run again"
    return "fix the input and run again"


@contextlib.contextmanager
def guard(debug: bool = False) -> Iterator[None]:
    """Report any error as one line and exit with its code; re-raise with ``debug``."""
    try:
        yield
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except KeyboardInterrupt:
        report("interrupted")
        raise typer.Exit(130) from None
    except BaseException as exc:
        if debug:
            raise
        error = classify(exc)
        report(error.message, error.hint)
        raise typer.Exit(error.code) from None
