"""Reading the harness's data files: TOML loaded and validated, ``{placeholders}`` filled in.

Every loader raises :class:`CatalogError` with the file and key it is about, so
a typo in a data file is one clear line (exit status 2), not a traceback.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from enum import Enum
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the checkout; in an installed wheel site-packages, where server_stub/ is beside harness/ too
# The folder holding clients/: in an installed wheel this package (pyproject.toml puts them there), else the checkout.
KIT = HERE if (HERE / "clients").is_dir() else ROOT


class CatalogError(Exception):
    """A data file is missing, malformed or asks for something unknown."""


def load_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from None


def only(doc: Any, allowed: set[str], where: str) -> None:
    if not isinstance(doc, dict):
        raise CatalogError(f"{where}: expected a table")
    unknown = set(doc) - allowed
    if unknown:
        raise CatalogError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}"
        )


def command(value: Any, where: str) -> tuple[str, ...]:
    if not (isinstance(value, list) and value and all(isinstance(a, str) for a in value)):
        raise CatalogError(f"{where}: a command is a non-empty list of strings")
    return tuple(value)


def strings(doc: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (doc or {}).items()}


def select(available: dict, wanted: list[str] | None, kind: str) -> list:
    """The named items in catalogue order, or all; unknown names are an error."""
    if not wanted:
        return list(available.values())
    unknown = [w for w in wanted if w not in available]
    if unknown:
        raise CatalogError(f"unknown {kind}(s): {', '.join(unknown)}; known: {', '.join(available)}")
    return [available[name] for name in available if name in wanted]


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render(value: Any, variables: dict[str, str]) -> Any:
    """Fill ``{name}`` placeholders in strings, and in the lists, tuples, tables and frozen
    dataclasses that hold them; an unknown placeholder is an error naming the known ones."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):

        def fill(m: re.Match) -> str:
            if m.group(1) not in variables:
                raise CatalogError(f"unknown placeholder {m.group(0)}; known: {', '.join(sorted(variables))}")
            return variables[m.group(1)]

        return _PLACEHOLDER.sub(fill, value)
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if isinstance(value, tuple):
        return tuple(render(v, variables) for v in value)
    if isinstance(value, dict):
        return {k: render(v, variables) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: render(getattr(value, f.name), variables) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changed)
    return value
