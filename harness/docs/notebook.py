"""Notebook lines in a page's Python blocks (pages copied from Jupyter), made plain Python line for line.

``!pip install x`` / ``%pip install x``: not run; its packages go to the project's requirements.
``%env X=Y``: the same assignment to ``os.environ``, on the same line.  ``%%writefile name``: the
cell is a file for the blocks after it (session.py), not a program.  Any other ``%magic`` or
``!command`` line: dropped, with a note.  Line N of the result is line N of the block.
"""

from __future__ import annotations

import re
import shlex

PIP = re.compile(r"^\s*[!%]\s*(?:pip3?|python3?\s+-m\s+pip)\s+install\s+(?P<args>.*)$")
ENV = re.compile(r"^(?P<indent>\s*)%env\s+(?P<name>[A-Za-z_]\w*)\s*[= ]\s*(?P<value>.*?)\s*$")
MAGIC = re.compile(r"^\s*(?:%{1,2}[A-Za-z_]\w*|!\S)")
WRITEFILE = re.compile(r"\A\s*%%writefile\s+(?P<append>-a\s+)?(?P<name>\S+)[ \t]*\n")


def writefile(code: str) -> tuple[str, str] | None:
    """A ``%%writefile name`` cell's (file name, content); None for any other block."""
    m = WRITEFILE.match(code)
    return (m["name"], code[m.end() :]) if m else None


def pip_packages(code: str) -> list[str]:
    """The requirements the block's ``!pip install`` lines name, options left out, in order."""
    found: list[str] = []
    for line in code.splitlines():
        m = PIP.match(line)
        if not m:
            continue
        try:
            words = shlex.split(m["args"], comments=True)
        except ValueError:
            words = m["args"].split()
        skip_next = False
        for word in words:
            if skip_next or word.startswith("-"):
                skip_next = word in ("-r", "-c", "-e", "-i", "--index-url", "--extra-index-url", "--target")
                continue
            found.append(word)
    return list(dict.fromkeys(found))


def python_lines(code: str, notes: list[str] | None = None, start: int = 1) -> str:
    """The block with its notebook lines made plain Python (or blank), line for line; ``notes`` gets
    a note per dropped line (``start``: the page line of the block's first line)."""
    out = []
    for i, line in enumerate(code.splitlines()):
        env = ENV.match(line)
        if env:
            value = env["value"].strip("'\"")
            out.append(f"{env['indent']}__import__('os').environ[{env['name']!r}] = {value!r}")
        elif MAGIC.match(line):
            out.append("")
            if notes is not None:
                what = "not run; its packages go to the requirements" if PIP.match(line) else "dropped (not Python)"
                notes.append(f"page line {start + i}: notebook line `{line.strip()}` {what}")
        else:
            out.append(line)
    return "\n".join(out) + ("\n" if code.endswith("\n") or out else "")
