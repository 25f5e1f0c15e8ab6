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


def _needs(project: Project, imports: list[str], table: dict[str, str], kind: str, seps: str = "./") -> list[str]:
    """What the imports need from table (its longest key that is the import or a prefix of it
    ending at one of seps), each once, in order; an import with no key is a note on the project."""
    found = []
    for name in imports:
        keys = [k for k in table if name == k or any(name.startswith(k + sep) for sep in seps)]
        if not keys:
            project.notes.append(
                f"no {kind} known for import {name!r}: the build gets nothing for it "
                "(add one to harness/docs/packages.toml)"
            )
        elif (need := table[max(keys, key=len)]) not in found:
            found.append(need)
    return found


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
    namespaces = re.findall(r"(?m)^\s*using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)\s*;", code)
    framework = [ns for ns in namespaces if ns != "System" and not ns.startswith(("System.", "Microsoft.CSharp"))]
    project.packages = refs = _needs(project, framework, packages, "NuGet package")
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
    modules = [path for path in go_imports(code) if "." in path.split("/")[0]]  # not the standard library
    project.packages = _needs(project, modules, {k: f"{k} {v}" for k, v in packages.items()}, "module", "/")
    requires = [f"require {module}" for module in project.packages]
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
    imports = re.findall(r"(?m)^\s*import\s+(?:static\s+)?([\w.]+?)(?:\.\*)?\s*;", code)
    libraries = [name for name in imports if not name.startswith(JDK_PACKAGES)]
    project.packages = coords = _needs(project, libraries, packages, "Maven artifact")
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
    modules = [name for name in python_imports(code) if name not in sys.stdlib_module_names]
    project.packages = _needs(project, modules, packages, "package", seps="")  # top-level names: exact
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
