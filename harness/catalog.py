"""The catalogue: every language and scenario, loaded from the data files beside this module.

``languages/<name>.toml`` says how to build and run one client (language.py);
``scenarios/<name>.toml`` says how to set up the stub, what environment the
client gets and what it must send and print (scenario.py).  Adding either
means adding a file; more language files can come from the folders named by
``HARNESS_LANGUAGES`` (``os.pathsep``-separated), e.g. a language tried out
before it is added here.  Everything is validated on load, so a typo in a data
file is one clear message naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .datafiles import HERE, ROOT, CatalogError, load_toml, render, select
from .language import DEFAULT_PROGRAM, PROFILES, Language, LintStep, Program, Toolchain, docker_toolchain, load_language
from .scenario import Scenario, load_scenario

LANGUAGES_DIR = HERE / "languages"
SCENARIOS_DIR = HERE / "scenarios"
EXTRA_LANGUAGES_ENV = "HARNESS_LANGUAGES"
EXTRA_SCENARIOS_ENV = "HARNESS_SCENARIOS"  # e.g. a folder `harness record` wrote

__all__ = [
    "CatalogError",
    "DEFAULT_PROGRAM",
    "HERE",
    "PROFILES",
    "ROOT",
    "Language",
    "LintStep",
    "Program",
    "Scenario",
    "Toolchain",
    "docker_toolchain",
    "load_language",
    "load_languages",
    "load_scenario",
    "load_scenarios",
    "load_toml",
    "render",
    "select",
]

T = TypeVar("T")


def _load_dirs(directories: list[Path], loader: Callable[[Path], T]) -> dict[str, T]:
    items: dict[str, T] = {}
    for directory in directories:
        if not directory.is_dir():
            raise CatalogError(f"no such folder of data files: {directory}")
        for path in sorted(directory.glob("*.toml")):
            if path.stem in items:
                raise CatalogError(f"{path}: {path.stem!r} is defined twice (also in {directories[0]})")
            items[path.stem] = loader(path)
    if not items:
        raise CatalogError(f"no data files in {', '.join(map(str, directories))}")
    return items


def extra_language_dirs() -> list[Path]:
    return [Path(p) for p in os.environ.get(EXTRA_LANGUAGES_ENV, "").split(os.pathsep) if p]


def load_languages(directory: Path = LANGUAGES_DIR) -> dict[str, Language]:
    extra = extra_language_dirs() if directory == LANGUAGES_DIR else []
    return _load_dirs([directory, *extra], load_language)


def load_scenarios(directory: Path = SCENARIOS_DIR) -> dict[str, Scenario]:
    extra = [Path(p) for p in os.environ.get(EXTRA_SCENARIOS_ENV, "").split(os.pathsep) if p]
    return _load_dirs([directory, *(extra if directory == SCENARIOS_DIR else [])], load_scenario)
