"""A page's sample -> a project folder laid out like that language's client in clients/.

So the same toolchain commands (harness/languages/<lang>.toml) build it:
C# ``Program.cs`` + ``ScoringClient.csproj``, Go ``main.go`` + ``go.mod``,
Java ``src/main/java/<package>/<Class>.java`` + ``pom.xml`` (its main class,
``target/scoring-client.jar``), Python ``score.py`` + ``requirements.txt``,
shell ``sample.sh``.  The build file holds what the sample's imports name
(``packages.toml``), as a reader would have to add it.  The code is written
line for line as the page has it (placeholders filled in), so line N of the
file is line ``start + N - 1`` of the page.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .data import HERE, DocLanguage

TEMPLATES = HERE / "templates"
JDK_PACKAGES = ("java.", "javax.", "jdk.", "sun.", "org.w3c.", "org.xml.")


@dataclass
class Project:
    folder: Path
    file: str  # the sample's code, relative to folder
    notes: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)  # what the build file supplies
    main_class: str = ""  # Java: the class whose main runs


def _longest_prefix(name: str, table: dict[str, str]) -> str | None:
    keys = [k for k in table if name == k or name.startswith(k + ".") or name.startswith(k + "/")]
    return table[max(keys, key=len)] if keys else None


def _unknown(kind: str, name: str) -> str:
    return f"no {kind} known for import {name!r}: the build gets nothing for it (add one to harness/docs/packages.toml)"


def scaffold(lang: DocLanguage, code: str, folder: Path, packages: dict[str, str]) -> Project:
    """Write the project for one sample into folder (made afresh)."""
    folder.mkdir(parents=True, exist_ok=True)
    make = {"csharp": _csharp, "go": _go, "java": _java, "python": _python, "shell": _shell}.get(lang.name, _plain)
    project = make(lang, code, folder, packages)
    path = folder / project.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(runnable(lang, code), encoding="utf-8")
    return project


def runnable(lang: DocLanguage, code: str) -> str:
    """The code as the project's file has it (a shell block's commands only), line for line."""
    return shell_script(code) if lang.name == "shell" else code


def _plain(lang: DocLanguage, code: str, folder: Path, packages: dict[str, str]) -> Project:
    return Project(folder, lang.file)


# -- C# -------------------------------------------------------------------------
def _csharp(lang: DocLanguage, code: str, folder: Path, packages: dict[str, str]) -> Project:
    project = Project(folder, lang.file)
    refs = []
    for ns in re.findall(r"(?m)^\s*using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)\s*;", code):
        if ns == "System" or ns.startswith(("System.", "Microsoft.CSharp")):
            continue
        package = _longest_prefix(ns, packages)
        if package is None:
            project.notes.append(_unknown("NuGet package", ns))
        elif package not in refs:
            refs.append(package)
    project.packages = refs
    lines = []
    for ref in refs:
        name, _, version = ref.partition(":")
        lines.append(f'    <PackageReference Include="{name}" Version="{version}" />')
    text = (TEMPLATES / "ScoringClient.csproj").read_text(encoding="utf-8").replace("@PACKAGES@", "\n".join(lines))
    (folder / "ScoringClient.csproj").write_text(text, encoding="utf-8")
    return project


# -- Go ---------------------------------------------------------------------------
def go_imports(code: str) -> list[str]:
    found = re.findall(r'(?m)^\s*import\s+(?:[\w.]+\s+)?"([^"]+)"', code)
    for group in re.findall(r"(?ms)^\s*import\s*\((.*?)\)", code):
        found += re.findall(r'"([^"]+)"', group)
    return found


def _go(lang: DocLanguage, code: str, folder: Path, packages: dict[str, str]) -> Project:
    project = Project(folder, lang.file)
    requires = []
    for path in go_imports(code):
        if "." not in path.split("/")[0]:
            continue  # the standard library
        keys = [k for k in packages if path == k or path.startswith(k + "/")]
        if not keys:
            project.notes.append(_unknown("module", path))
            continue
        module = max(keys, key=len)
        line = f"require {module} {packages[module]}"
        if line not in requires:
            requires.append(line)
    project.packages = [r.removeprefix("require ") for r in requires]
    text = (TEMPLATES / "go.mod").read_text(encoding="utf-8").replace("@REQUIRES@", "\n".join(requires))
    (folder / "go.mod").write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    return project


# -- Java -----------------------------------------------------------------------------
def java_main_class(code: str) -> tuple[str, str]:
    """(the class holding main, with its package; the file name the public class needs, without .java)."""
    package = re.search(r"(?m)^\s*package\s+([\w.]+)\s*;", code)
    main = re.search(r"\bstatic\s+(?:public\s+)?void\s+main\s*\(", code)
    classes = list(re.finditer(r"\b(?:class|record|enum|interface)\s+(\w+)", code))
    before = [c for c in classes if main and c.start() < main.start()]
    main_class = (before or classes or [None])[-1]
    name = main_class.group(1) if main_class else "Main"
    public = re.search(r"\bpublic\s+(?:final\s+|abstract\s+)*(?:class|record|enum|interface)\s+(\w+)", code)
    prefix = package.group(1) + "." if package else ""
    return prefix + name, (public.group(1) if public else name)


def _java(lang: DocLanguage, code: str, folder: Path, packages: dict[str, str]) -> Project:
    main_class, file_class = java_main_class(code)
    package_path = "/".join(main_class.split(".")[:-1])
    file = lang.file.replace("{class}", f"{package_path}/{file_class}" if package_path else file_class)
    project = Project(folder, file, main_class=main_class)
    coords = []
    for name in re.findall(r"(?m)^\s*import\s+(?:static\s+)?([\w.]+?)(?:\.\*)?\s*;", code):
        if name.startswith(JDK_PACKAGES):
            continue
        coordinate = _longest_prefix(name, packages)
        if coordinate is None:
            project.notes.append(_unknown("Maven artifact", name))
        elif coordinate not in coords:
            coords.append(coordinate)
    project.packages = coords
    deps = []
    for coordinate in coords:
        group, artifact, version = coordinate.split(":")
        deps.append(
            "    <dependency>\n"
            f"      <groupId>{group}</groupId>\n      <artifactId>{artifact}</artifactId>\n"
            f"      <version>{version}</version>\n    </dependency>"
        )
    text = (TEMPLATES / "pom.xml").read_text(encoding="utf-8")
    text = text.replace("@MAIN_CLASS@", main_class).replace("@DEPENDENCIES@", "\n".join(deps))
    (folder / "pom.xml").write_text(text, encoding="utf-8")
    return project


# -- Python ------------------------------------------------------------------------------
PY_IMPORT = re.compile(
    r"(?m)^\s*(?:import\s+(?P<names>[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)"
    r"|from\s+(?P<module>[\w.]+)\s+import\b)"
)


def python_imports(code: str) -> list[str]:
    """The top-level modules a Python sample imports, in order (relative imports left out)."""
    names = []
    for m in PY_IMPORT.finditer(code):
        parts = m.group("names").split(",") if m.group("names") else [m.group("module")]
        names += [part.split()[0].split(".")[0] for part in parts]
    return list(dict.fromkeys(names))


def _python(lang: DocLanguage, code: str, folder: Path, packages: dict[str, str]) -> Project:
    project = Project(folder, lang.file)
    requirements = []
    for name in python_imports(code):
        if name in sys.stdlib_module_names:
            continue
        if name in packages:
            requirements.append(packages[name])
        else:
            project.notes.append(_unknown("package", name))
    project.packages = list(dict.fromkeys(requirements))
    (folder / "requirements.txt").write_text("".join(f"{r}\n" for r in project.packages), encoding="utf-8")
    return project


# -- shell ---------------------------------------------------------------------------------
def _shell(lang: DocLanguage, code: str, folder: Path, packages: dict[str, str]) -> Project:
    return Project(folder, lang.file)


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
