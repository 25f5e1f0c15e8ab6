"""Stand-ins for the cloud CLIs a page's shell lines call (``az``, ``kubectl``, ``gcloud``...).

session.toml names the commands and what each prints; for each shell sample they are written
into a ``standins/`` folder of its project (a copy of ``standin_cli.py`` per command name, and
``answers.json`` with the sample's own values), and that folder comes first on PATH.  What they
stood in for is read back from the folder's log for the report.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from .data import HERE, DocsError, _load, _only, _regex

SESSION = HERE / "session.toml"
FOLDER = "standins"
LOG = "standins.log"


@dataclass(frozen=True)
class Table:
    setup: tuple[re.Pattern, ...]
    commands: tuple[str, ...]
    single: str
    answers: tuple[dict, ...]
    tools: tuple[str, ...]


@cache
def table() -> Table:
    """session.toml, checked: a typo is one message naming the file and key."""
    doc = _load(SESSION)
    where = str(SESSION)
    _only(doc, {"setup", "commands", "single", "answer", "tools"}, where)
    _regex(doc.get("single", ""), f"{where}: single")
    answers = []
    for i, answer in enumerate(doc.get("answer", [])):
        _only(answer, {"what", "match", "value", "json"}, f"{where}: answer[{i}]")
        if not all(k in answer for k in ("what", "match", "value")):
            raise DocsError(f"{where}: answer[{i}] needs what, match and value")
        _regex(answer["match"], f"{where}: answer[{i}].match")
        answers.append(answer)
    setup = tuple(_regex(p, f"{where}: setup") for p in doc.get("setup", []))
    commands = tuple(str(c) for c in doc.get("commands", []))
    tools = tuple(str(c) for c in doc.get("tools", []))
    if not all(re.fullmatch(r"[\w.-]+", c) for c in commands + tools):
        raise DocsError(f"{where}: commands and tools are plain command names")
    return Table(setup, commands, str(doc.get("single", "")), tuple(answers), tools)


def tools(code: str) -> tuple[str, ...]:
    """The tools of session.toml the shell code runs as a command (`| jq .`, `$(... | jq -r .key)`)."""
    return tuple(t for t in table().tools if re.search(rf"(?:^|[|;&(`]|\$\()\s*{re.escape(t)}(?![\w.-])", code, re.M))


def _fill(value, values: dict[str, str]):
    """A value of session.toml ({uri}, {key}...) with the sample's values, in strings, lists and tables."""
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), str(value))


def write(folder: Path, uri: str, key: str) -> Path:
    """The stand-ins for one sample, in folder/standins (made afresh); returns that folder."""
    t = table()
    parts = urlsplit(uri)
    values = {"uri": uri, "key": key, "host": parts.netloc, "hostname": parts.hostname or "", "port": ""}
    values["port"] = str(parts.port or (443 if parts.scheme == "https" else 80))
    bin_dir = folder / FOLDER
    shutil.rmtree(bin_dir, ignore_errors=True)
    bin_dir.mkdir(parents=True)
    answers = [_fill(a, values) for a in t.answers]
    (bin_dir / "answers.json").write_text(json.dumps({"single": t.single, "answers": answers}), encoding="utf-8")
    program = (HERE / "standin_cli.py").read_text(encoding="utf-8")
    for name in t.commands:
        path = bin_dir / name
        path.write_text(f"#!{sys.executable}\n{program}", encoding="utf-8")
        path.chmod(0o755)
    return bin_dir


def stood_in(folder: Path) -> list[str]:
    """The report's notes: each CLI line a stand-in answered, and what it printed (once each)."""
    try:
        lines = (folder / FOLDER / LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    entries = []
    for ln in lines:
        try:
            entry = json.loads(ln)
            entries.append((str(entry["line"]), str(entry["what"])))
        except (ValueError, KeyError, TypeError):
            continue  # a line the prelude's cd wrapper could not write as JSON (a folder name with a quote)
    return [f"`{line}`: {what}" for line, what in dict.fromkeys(entries)]
