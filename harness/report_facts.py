"""What the comparison page says of each language besides the run's figures, read from the kit's files:

* the minimal sample its README opens with (shown side by side),
* the licence of each third-party dependency (comparison.toml [licences]),
* until when the runtimes and images it is pinned to are supported (support.toml, by the files that pin them),
* how it does what a sample must do beyond one call (comparison.toml [features], the language's
  [report.handles]): with its standard library, a library, or code of its own.
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
from dataclasses import dataclass
from pathlib import Path

from .datafiles import HERE, ROOT, load_toml
from .language import Language

COMPARISON = HERE / "comparison.toml"
SUPPORT = HERE / "support.toml"
IMAGES = HERE / "images" / "images.toml"


@dataclass(frozen=True)
class Support:
    what: str
    until: datetime.date
    estimated: bool = False


@functools.cache
def comparison() -> dict:
    """comparison.toml, read once (a licence and the features are asked for per row)."""
    return load_toml(COMPARISON)


def licence(dependency: str) -> str | None:
    return comparison().get("licences", {}).get(dependency)


def features() -> dict[str, dict]:
    return comparison().get("features", {})


def minimal_sample(language: Language) -> tuple[str, str]:
    """(fence language, code) of the first code block of the client's README; ("", "") when it has none."""
    from .docs.extract import read_page  # the docs check's reader: the same block it runs in the tests

    readme = language.client / "README.md"
    blocks = read_page(readme) if readme.is_file() else []
    return (blocks[0].info.split()[0] if blocks[0].info else "", blocks[0].code) if blocks else ("", "")


def _own_paths(language: Language) -> list[str]:
    """Paths (from the repository root) that pin only this language's runtimes: its client folder, its images."""
    try:
        client = language.client.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # a client folder outside the repository (--client): its files pin nothing shipped
        client = None
    own = [f"harness/images/debian/{language.name}.Dockerfile"]
    return own + ([f"{client}/{f.relative_to(language.client).as_posix()}" for f in _files(language)] if client else [])


def _files(language: Language) -> list[Path]:
    return [p for p in language.client.rglob("*") if p.is_file() and not set(p.parts) & {"target", "node_modules"}]


def support_of(language: Language) -> list[Support]:
    """The support.toml entries of the language's pins, soonest end first: entries naming its own files, or its
    official image's tag."""
    official = load_toml(IMAGES).get("official", {}).get(language.name)
    own = _own_paths(language)
    out = []
    for entry in load_toml(SUPPORT).get("entry", []):
        mine = any(fnmatch.fnmatch(path, pattern) for pattern in entry.get("files", ()) for path in own)
        mine = mine or (official is not None and f"image {official}" in entry.get("pins", ()))
        if mine:
            out.append(Support(entry["what"], entry["until"], bool(entry.get("estimated"))))
    return sorted(out, key=lambda s: s.until)
