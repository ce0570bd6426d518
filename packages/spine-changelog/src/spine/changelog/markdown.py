"""Small markdown helpers shared by the renderers (escaping, code spans, links).

Example:
    >>> code("a`b")
    '`` a`b ``'
    >>> inline("use <T> here, ``x<y>`` and :class:`~spine.db.Url`; __init__")
    'use &lt;T&gt; here, `x<y>` and `Url`; \\\\_\\\\_init\\\\_\\\\_'
"""

from __future__ import annotations

import re

__all__ = ["MARKER_PREFIX", "code", "commit_link", "finish", "inline"]

MARKER_PREFIX = "<!-- spine-changelog:"
"""Start of the comment a generated file records its source in."""


def code(text: str) -> str:
    """``text`` as an inline code span (longer fences when it contains backticks)."""
    if "`" not in text:
        return f"`{text}`"
    longest = max(len(run) for run in re.findall(r"`+", text))
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


_RST_ROLE = re.compile(r":(?:py:)?[a-z]+:`(?P<target>[^`]+)`")
_CODE = re.compile(r"(``.+?``|`[^`]+`)")
_ESCAPE = re.compile(r"([\\*_])")


def _role(match: re.Match[str]) -> str:
    target = match.group("target")
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    return f"``{target}``"


def inline(text: str) -> str:
    """Commit or docstring text as one markdown line.

    Line breaks are folded; reST markup becomes markdown (````x```` and ``:class:`x``` turn
    into code spans); outside code spans HTML is escaped and ``*``/``_`` cannot start emphasis.
    """
    text = _RST_ROLE.sub(_role, " ".join(text.split()))
    out: list[str] = []
    for part in _CODE.split(text):
        if part.startswith("``") and part.endswith("``") and len(part) > 4:
            out.append(code(part[2:-2].strip()))
        elif part.startswith("`") and part.endswith("`") and len(part) > 2:
            out.append(part)
        else:
            escaped = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(_ESCAPE.sub(r"\\\1", escaped))
    return "".join(out)


def commit_link(commit: str, repository_url: str | None) -> str:
    """``[abc1234](<url>/commit/<hash>)``, or the short hash in a code span without a URL."""
    short = commit[:7]
    if repository_url:
        return f"[{short}]({repository_url}/commit/{commit})"
    return code(short)


def finish(lines: list[str]) -> str:
    """Join lines into file text: no trailing spaces, no runs of blank lines outside fenced
    blocks, one final newline."""
    out: list[str] = []
    fenced = False
    for line in lines:
        line = line.rstrip()
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not line and not fenced and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
