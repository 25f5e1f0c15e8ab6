"""A page's sample -> a project folder laid out like that language's client in clients/.

So the same toolchain commands (harness/languages/<lang>.toml) build it: C#
``Program.cs`` + ``ScoringClient.csproj``, Go ``main.go`` + ``go.mod``, Java
``src/main/java/<package>/<Class>.java`` + ``pom.xml``, Python ``score.py`` +
``requirements.txt``, JavaScript ``score.mjs`` (``score.cjs``) + ``package.json``,
Rust ``src/main.rs`` + ``Cargo.toml``, shell ``sample.sh``.  What differs by language is data
(``scaffold.toml``: how imports read, which need nothing, which build files a
project gets from which template); the build file holds what the sample's
imports name (``packages.toml``), as a reader would have to add it.  The code
is written line for line as the page has it (placeholders filled in), so line
N of the file is line ``start + N - 1`` of the page.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import notebook
from .data import HERE, DocLanguage, DocsError, _load

TEMPLATES = HERE / "templates"
SCAFFOLD = HERE / "scaffold.toml"
PYTHON_STDLIB = "@python-stdlib"


@dataclass
class Project:
    folder: Path
    file: str  # the sample's code, relative to folder
    notes: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)  # what the build file supplies
    main_class: str = ""  # Java: the class whose main runs
    names: dict[str, str] = field(default_factory=dict)  # what [x.names] found (file, build files, run command)


@cache
def rules() -> dict[str, dict[str, Any]]:
    doc = _load(SCAFFOLD)
    for name, table in doc.items():
        for key in ("imports", "standard"):
            for pattern in table.get(key, []):
                if pattern != PYTHON_STDLIB:
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise DocsError(f"{SCAFFOLD}: [{name}].{key}: {exc}") from None
    return doc


def imports(language: str, code: str) -> list[str]:
    """What a sample imports, in order, each once (the language's ``imports`` and ``each`` patterns)."""
    table = rules().get(language, {})
    found: list[tuple[int, list[str]]] = []  # in the order the code has them, whichever pattern found them
    for pattern in table.get("imports", []):
        for m in re.finditer(pattern, code):
            found.append((m.start(), re.findall(table["each"], m.group(1)) if "each" in table else [m.group(1)]))
    return list(dict.fromkeys(name for _, group in sorted(found, key=lambda f: f[0]) for name in group))


def _standard(table: dict, name: str) -> bool:
    for pattern in table.get("standard", []):
        if pattern == PYTHON_STDLIB and name in sys.stdlib_module_names:
            return True
        if pattern != PYTHON_STDLIB and re.search(pattern, name):
            return True
    return False


def needs(project: Project, language: str, names: list[str], packages: dict[str, str]) -> list[str]:
    """The packages the imports need: for each, the longest packages.toml key that is the import or a
    prefix of it ending at one of ``prefix_ends``, each once; an unknown import is a note on the project."""
    table = rules().get(language, {})
    ends, found = table.get("prefix_ends", ""), []
    for name in (n for n in names if not _standard(table, n)):
        keys = [k for k in packages if name == k or any(name.startswith(k + sep) for sep in ends)]
        if not keys:
            project.notes.append(
                f"no {table.get('kind', 'package')} known for import {name!r}: the build gets nothing for it "
                "(add one to harness/docs/packages.toml)"
            )
            continue
        key = max(keys, key=len)
        need = table.get("package", "{value}").format(key=key, value=packages[key])
        if need not in found:
            found.append(need)
    return found


def names(language: str, code: str) -> dict[str, str]:
    """The ``[x.names]`` found in the code and the ``[x.derived]`` ones built from them."""
    table = rules().get(language, {})
    out: dict[str, str] = {}
    for name, spec in table.get("names", {}).items():
        match = next((m for p in spec.get("patterns", []) if (m := re.search(p, code))), None)
        if match:
            out[name] = str(spec["value"]) if "value" in spec else match.group(1)
        else:
            out[name] = str(spec.get("default", "")).format(**out)
    for name in list(out):
        out[f"{name}_dot"] = f"{out[name]}." if out[name] else ""
        out[f"{name}_slash"] = out[name].replace(".", "/") + "/" if out[name] else ""
    for name, template in table.get("derived", {}).items():
        out[name] = template.format(**out)
    return out


def _write_build_files(project: Project, language: str, found: dict[str, str]) -> None:
    for spec in rules().get(language, {}).get("files", []):
        entries = [spec["entry"].format(p, *p.split(spec.get("split", " "))) for p in project.packages]
        if "template" in spec:
            text = (TEMPLATES / spec["template"]).read_text(encoding="utf-8")
            text = text.replace(spec["slot"], spec.get("join", "\n").join(entries))
            for name, value in found.items():  # @MAIN_CLASS@: the name main_class
                text = text.replace(f"@{name.upper()}@", value)
            text = text.rstrip("\n") + "\n"
        else:
            text = "".join(f"{e}\n" for e in entries)
        (project.folder / spec["name"]).write_text(text, encoding="utf-8")


def scaffold(lang: DocLanguage, code: str, folder: Path, packages: dict[str, str]) -> Project:
    """Write the project for one sample into folder (made afresh)."""
    folder.mkdir(parents=True, exist_ok=True)
    # digest: the code's, so a build file can name a project after its code (Cargo.toml: samples
    # sharing compiled crates must not share the package's own artifacts).
    found = {**names(lang.name, code), "digest": hashlib.sha256(code.encode()).hexdigest()[:12]}
    file = lang.file.format(**found)
    project = Project(folder, file, main_class=found.get("main_class", ""), names=found)
    project.packages = needs(project, lang.name, imports(lang.name, code), packages)
    if lang.name == "python":  # a notebook's `!pip install x`: x, pinned as packages.toml pins it
        pins = {re.split(r"[=<>~!\[ ]", v)[0].lower(): v for v in packages.values()}
        wanted = [pins.get(p.lower(), p) for p in notebook.pip_packages(code)]
        project.packages += [p for p in wanted if p not in project.packages]
    _write_build_files(project, lang.name, found)
    path = folder / project.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(runnable(lang, code), encoding="utf-8")
    return project


def runnable(lang: DocLanguage, code: str) -> str:
    """The code as the project's file has it (a shell block's commands only, a Python block's notebook
    lines made Python), line for line."""
    if lang.name == "python":
        return notebook.python_lines(code)
    return shell_script(code) if lang.name == "shell" else code


# What the tests and other modules ask of one language.
def python_imports(code: str) -> list[str]:
    return imports("python", code)


def go_imports(code: str) -> list[str]:
    return imports("go", code)


def java_main_class(code: str) -> tuple[str, str]:
    """(the class holding main, with its package; the file name the public class needs, without .java)."""
    found = names("java", code)
    return found["main_class"], found["public"]


def shell_script(code: str) -> str:
    """The commands of a shell block, line for line: ``$ `` prompts taken off; in a console
    transcript (prompts present), the output lines blanked out."""
    lines = code.splitlines()
    prompted = any(re.match(r"\s*\$ ", ln) for ln in lines)
    out, continued = [], False
    for line in lines:
        m = re.match(r"\s*\$ (.*)$", line)
        if m:
            out.append(m.group(1))
        elif continued or not prompted:
            out.append(line)
        else:
            out.append("")
        continued = out[-1].rstrip().endswith("\\")
    return "\n".join(out) + "\n"
