"""Every runtime and image the kit pins has an end of support in harness/support.toml, and none is past it.

The build files are parsed for their pins (images.toml, Dockerfiles, .csproj, go.mod, pom.xml, ruff.toml and
pyproject.toml, the CI workflows), so a new pin without an entry fails here, and so does an entry whose files
no longer hold its pin.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUPPORT = ROOT / "harness" / "support.toml"
ENTRY_KEYS = {"what", "pins", "files", "until", "by", "source"}
OPTIONAL_KEYS = {"ended", "estimated"}


# -- the pins of one file, as "kind value" -------------------------------------
def version_pin(name: str, value: str) -> str:
    """A Dockerfile's (or a build recipe's) ``<NAME>_VERSION`` argument as a pin: PYTHON_VERSION=3.11 -> python 3.11."""
    return f"{name.removesuffix('_VERSION').lower().replace('_', '-')} {value}"


def dockerfile_pins(text: str) -> list[str]:
    pins, stages = [], set()
    for line in text.splitlines():
        if m := re.match(r"\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE):
            if "$" not in m[1] and m[1] != "scratch" and m[1] not in stages:
                pins.append(f"image {m[1]}")
            stages.add(m[2] or "")
        elif m := re.match(r"\s*ARG\s+(\w+)=[\"']?([^\s\"']+)", line):
            name, value = m[1], m[2]
            if name == "BASE":
                pins.append(f"image {value}")
            elif name.endswith("_VERSION"):
                pins.append(version_pin(name, value))
            elif name.endswith("_SUITE"):
                pins.append(f"debian-suite {value}")
    return pins


def images_toml_pins(text: str) -> list[str]:
    values = [v for table in tomllib.loads(text).values() for v in table.values()]
    recipes = [v for v in values if isinstance(v, dict)]  # {dockerfile, suite, args}: its Debian release and versions
    pins = [f"image {v}" for v in values if isinstance(v, str) and not v.endswith("Dockerfile")]
    pins += [f"debian-suite {r['suite']}" for r in recipes if "suite" in r]
    return pins + [version_pin(k, v) for r in recipes for k, v in r.get("args", {}).items() if k.endswith("_VERSION")]


def server_pins(text: str) -> list[str]:
    """A real server's [docker] base: image references (with a tag), not images.toml entries or Dockerfiles."""
    base = tomllib.loads(text).get("docker", {}).get("base", {})
    values = base.values() if isinstance(base, dict) else [base]
    return [f"image {v}" for v in values if ":" in v and not v.endswith("Dockerfile")]


def csproj_pins(text: str) -> list[str]:
    found = re.findall(r"<TargetFrameworks?>([^<]+)</TargetFrameworks?>", text)
    return [f"dotnet {tfm.strip()}" for value in found for tfm in value.split(";") if tfm.strip()]


def gomod_pins(text: str) -> list[str]:
    return [f"go {v}" for v in re.findall(r"(?m)^(?:go\s+|toolchain\s+go)(\S+)", text)]


def pom_pins(text: str) -> list[str]:
    found = re.findall(r"<(maven\.compiler\.(?:release|source|target)|release)>\s*([\d.]+)\s*<", text)
    return [f"java {v}" for _, v in found]


def python_config_pins(text: str) -> list[str]:
    targets = [f"3.{n}" for n in re.findall(r"(?m)^\s*target-version\s*=\s*[\"']py3(\d+)[\"']", text)]
    floors = re.findall(r"(?m)^\s*requires-python\s*=\s*[\"'][^\"'\d]*(\d+\.\d+)", text)
    return [f"python {v}" for v in targets + floors]


def workflow_pins(text: str) -> list[str]:
    versions = re.findall(r"(?m)^\s*(python|go|java)-version:\s*[\"']?([\w.]+)", text)
    runners = re.findall(r"(?m)^\s*runs-on:\s*[\"']?([\w.-]+)", text)
    return [f"{kind} {v}" for kind, v in versions] + [f"runner {r}" for r in runners]


# File name (or, with a slash, path) pattern -> the parser of such files.
PARSERS = {
    "images.toml": images_toml_pins,
    "harness/servers/*.toml": server_pins,
    "*.csproj": csproj_pins,
    "go.mod": gomod_pins,
    "pom.xml": pom_pins,
    "Dockerfile": dockerfile_pins,
    "*.Dockerfile": dockerfile_pins,
    "ruff.toml": python_config_pins,
    "pyproject.toml": python_config_pins,
    ".github/workflows/*.yml": workflow_pins,
}


def matches(path: str, pattern: str) -> bool:
    return fnmatch.fnmatch(path if "/" in pattern else path.rsplit("/", 1)[-1], pattern)


def pins_of(root: Path, paths: list[str], exclude: list[str]) -> list[tuple[str, str]]:
    """(file, pin) for every pin of the files among paths that a parser reads."""
    found = []
    for path in sorted(paths):
        parsers = [p for pattern, p in PARSERS.items() if matches(path, pattern)]
        if parsers and not any(fnmatch.fnmatch(path, x) for x in exclude):
            found += [(path, pin) for pin in parsers[0]((root / path).read_text(encoding="utf-8"))]
    return found


def kit_files() -> list[str]:
    """The kit's files: tracked, or new and not ignored (so a new build file counts before its commit)."""
    cmd = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"git ls-files failed (the kit's files are listed with git): {result.stderr}"
    return [p for p in result.stdout.splitlines() if (ROOT / p).is_file()]


# -- checks ---------------------------------------------------------------------
def entry_problems(entries: list[dict], today: dt.date) -> list[str]:
    problems = []
    for i, e in enumerate(entries):
        where = f"entry {i} ({e.get('what', '?')})"
        if missing := ENTRY_KEYS - set(e):
            problems.append(f"{where}: missing {', '.join(sorted(missing))}")
        if unknown := set(e) - ENTRY_KEYS - OPTIONAL_KEYS:
            problems.append(f"{where}: unknown {', '.join(sorted(unknown))}")
        if not isinstance(e.get("until"), dt.date):
            problems.append(f"{where}: until is not a date")
        if not all(re.fullmatch(r"[\w-]+ \S+", str(p)) for p in e.get("pins", [None])):
            problems.append(f"{where}: pins must be a non-empty list of 'kind value'")
        ended = e.get("ended", {})
        if "ended" in e and not (
            set(ended) == {"on", "support"} and isinstance(ended["on"], dt.date) and ended["on"] <= today
        ):
            problems.append(f"{where}: ended needs on (a day not after today) and support")
    return problems


def expired(entries: list[dict], today: dt.date) -> list[str]:
    return [f"{e['what']}: support ended {e['until']} ({e['by']})" for e in entries if e["until"] < today]


def owners(entries: list[dict], path: str, pin: str) -> list[dict]:
    return [e for e in entries if pin in e["pins"] and any(matches(path, g) for g in e["files"])]


def uncovered(pins: list[tuple[str, str]], entries: list[dict]) -> list[str]:
    return [
        f"{path}: {pin!r} has {len(owners(entries, path, pin))} entries in harness/support.toml, not one"
        for path, pin in pins
        if len(owners(entries, path, pin)) != 1
    ]


def stale(pins: list[tuple[str, str]], entries: list[dict]) -> list[str]:
    problems = []
    for e in entries:
        held = [(path, pin) for path, pin in pins if owners([e], path, pin)]
        problems += [f"{e['what']}: no file of its own pins {p!r}" for p in e["pins"] if p not in {q for _, q in held}]
        problems += [f"{e['what']}: {g!r} holds none of its pins" for g in e["files"] if not owners_of(held, g)]
    return problems


def owners_of(held: list[tuple[str, str]], glob: str) -> list[str]:
    return [path for path, _ in held if matches(path, glob)]


@pytest.fixture(scope="module")
def support() -> dict:
    return tomllib.loads(SUPPORT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kit_pins(support) -> list[tuple[str, str]]:
    return pins_of(ROOT, kit_files(), support["scan"]["exclude"])


# -- tests ----------------------------------------------------------------------
def test_entries_are_well_formed(support):
    assert support["entry"] and entry_problems(support["entry"], dt.date.today()) == []


def test_a_malformed_entry_is_reported(support):
    broken = [{**support["entry"][0], "until": "soon", "pins": ["no-kind"], "ended": {"on": dt.date.max}, "typo": 1}]
    problems = entry_problems(broken, dt.date.today())
    assert len(problems) == 4 and {"until", "pins", "ended", "unknown"} <= {w for p in problems for w in p.split()}


def test_nothing_the_kit_pins_is_past_its_end_of_support(support):
    assert expired(support["entry"], dt.date.today()) == []


def test_the_day_after_the_earliest_end_that_entry_fails(support):
    first = min(support["entry"], key=lambda e: e["until"])
    assert expired(support["entry"], first["until"]) == []  # the last day is still supported
    day_after = first["until"] + dt.timedelta(days=1)
    assert f"{first['what']}: support ended {first['until']}" in expired(support["entry"], day_after)[0]


def test_every_pin_of_the_kit_has_exactly_one_entry(support, kit_pins):
    assert uncovered(kit_pins, support["entry"]) == []


def test_every_entry_names_pins_its_files_hold(support, kit_pins):
    assert stale(kit_pins, support["entry"]) == []


def test_every_parser_finds_pins_in_the_kit(kit_pins):
    found = {pattern for pattern in PARSERS for path, _ in kit_pins if matches(path, pattern)}
    assert found == set(PARSERS), f"no pins found in any {', '.join(sorted(set(PARSERS) - found))}"


SAMPLES = [  # a new pin in each kind of file: (path, text, the pin it holds)
    ("harness/images/images.toml", '[official]\nnode = "node:24-trixie"\n', "image node:24-trixie"),
    ("clients/x/X.csproj", "<TargetFrameworks>net10.0;net11.0</TargetFrameworks>", "dotnet net11.0"),
    ("clients/x/go.mod", "module m\n\ngo 1.24\ntoolchain go1.27.3\n", "go 1.27.3"),
    ("clients/x/pom.xml", "<maven.compiler.release>25</maven.compiler.release>", "java 25"),
    ("clients/x/Dockerfile", "FROM node:24 AS build\nFROM build\n", "image node:24"),
    ("harness/images/debian/x.Dockerfile", "ARG BASE=x\nFROM ${BASE}\nARG NODE_VERSION=24\n", "node 24"),
    ("harness/images/debian/y.Dockerfile", "ARG LIBFOO_SUITE=forky\n", "debian-suite forky"),
    ("clients/x/ruff.toml", 'target-version = "py314"\n', "python 3.14"),
    ("clients/x/pyproject.toml", '[project]\nrequires-python = ">=3.15"\n', "python 3.15"),
    (".github/workflows/x.yml", "jobs:\n  a:\n    runs-on: ubuntu-26.04\n", "runner ubuntu-26.04"),
]


@pytest.mark.parametrize("path, text, pin", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_a_new_pin_without_an_entry_is_caught(tmp_path, support, kit_pins, path, text, pin):
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(text)
    new = pins_of(tmp_path, [path], support["scan"]["exclude"])
    assert (path, pin) in new
    problems = uncovered(kit_pins + new, support["entry"])
    assert f"{path}: {pin!r} has 0 entries in harness/support.toml, not one" in problems


def test_an_excluded_folder_holds_no_pins(tmp_path, support):
    (tmp_path / "tests/fixtures/x").mkdir(parents=True)
    (tmp_path / "tests/fixtures/x/go.mod").write_text("module m\n\ngo 1.19\n")
    assert pins_of(tmp_path, ["tests/fixtures/x/go.mod"], support["scan"]["exclude"]) == []
    assert pins_of(tmp_path, ["tests/fixtures/x/go.mod"], []) == [("tests/fixtures/x/go.mod", "go 1.19")]


def test_an_entry_whose_files_lost_its_pin_is_reported(support, kit_pins):
    entry = next(e for e in support["entry"] if e["files"] == ["harness/images/images.toml"])
    moved = {**entry, "what": "moved", "pins": ["image gone:1"], "files": ["server_stub/Dockerfile"]}
    assert [p for p in stale(kit_pins, [*support["entry"], moved]) if p.startswith("moved:")] == [
        "moved: no file of its own pins 'image gone:1'",
        "moved: 'server_stub/Dockerfile' holds none of its pins",
    ]


def test_harness_list_shows_every_end_of_support(support):
    run = subprocess.run([sys.executable, "-m", "harness", "list"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("support ")]
    assert len(lines) == len(support["entry"])
    for e in support["entry"]:
        line = next(ln for ln in lines if e["what"][:60] in ln)
        assert str(e["until"]) in line
        assert (" ended " in line) == ("ended" in e)  # a support that ended is said so, and only then
        assert "ended" not in e or f"{e['ended']['support']} ended {e['ended']['on']}" in line
