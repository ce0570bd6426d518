"""``.env`` discovery: which dotenv files a process reads, in order.

The nearest directory at or above the working directory that holds a ``.env`` file is the
project directory; from it, ``.env``, then ``.env.<profile>``, then ``.env.local`` are read
when they exist, later files overriding earlier ones. ``$SPINE_ENV_FILE`` names one file
instead (it must exist). Process environment variables override every file.

Example:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / ".env").write_text("SPINE_CACHE_BACKEND=memory\\n")
    27
    >>> (root / ".env.prod").write_text("SPINE_CACHE_BACKEND=redis\\n")
    26
    >>> (root / "src").mkdir()
    >>> [p.name for p in find_env_files(root / "src", profile="prod", environ={})]
    ['.env', '.env.prod']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from spine.types import InvalidConfigError

__all__ = ["find_env_files"]


def find_env_files(
    start: str | Path | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Path]:
    """The dotenv files to read, lowest precedence first (see the module docstring).

    Raises:
        InvalidConfigError: ``$SPINE_ENV_FILE`` names a file that does not exist.
    """
    env = os.environ if environ is None else environ
    explicit = env.get("SPINE_ENV_FILE", "").strip()
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise InvalidConfigError(f"SPINE_ENV_FILE={explicit!r}: no such file")
        return [path]
    here = Path(start) if start is not None else Path.cwd()
    here = here.resolve()
    for directory in (here, *here.parents):
        if (directory / ".env").is_file():
            names = [".env"]
            if profile:
                names.append(f".env.{profile}")
            names.append(".env.local")
            return [directory / n for n in names if (directory / n).is_file()]
    return []
