"""The settings a page's sample reads from environment variables of its own naming get the scenario's values.

A sample written ``os.Getenv("ENDPOINT_KEY")`` is run by its reader with ENDPOINT_KEY set to their key;
the docs check sets it to the scenario's (and says so), as it sets SCORING_URI and SCORING_KEY.  What
counts as a lookup and which value a name gets is data: ``environment.toml``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ..datafiles import load_toml, only
from .data import CONTRACT, DocsError

PATH = Path(__file__).resolve().parent / "environment.toml"
CONTRACT_NAMES = {name for names in CONTRACT.values() for name in names}


@functools.cache
def _rules() -> tuple[tuple[re.Pattern, ...], frozenset[str], tuple[tuple[str, re.Pattern], ...]]:
    doc = load_toml(PATH)
    only(doc, {"reads", "languages_left_out", "kind"}, str(PATH))
    try:
        reads = tuple(re.compile(p) for p in doc["reads"])
        kinds = tuple((k["kind"], re.compile(k["pattern"], re.IGNORECASE)) for k in doc["kind"])
    except (re.error, KeyError, TypeError) as exc:
        raise DocsError(f"{PATH}: a bad read pattern or [[kind]] (kind, pattern): {exc}") from None
    unknown = {k for k, _ in kinds} - {"uri", "key", "deployment"}
    if unknown:
        raise DocsError(f"{PATH}: [kinds] {', '.join(sorted(unknown))}: choose from uri, key, deployment")
    return reads, frozenset(doc["languages_left_out"]), kinds


def read(code: str) -> list[str]:
    """The names of the environment variables the code looks up, in order, each once."""
    reads, _, _ = _rules()
    found = sorted((m.start(), next(g for g in m.groups() if g)) for p in reads for m in p.finditer(code))
    return list(dict.fromkeys(name for _, name in found))


def bind(language: str, code: str, values: dict[str, str], notes: list[str]) -> dict[str, str]:
    """NAME -> the scenario's value for each variable of the sample's own naming it reads (not the kit's
    contract names, set anyway); a note per name."""
    _, left_out, kinds = _rules()
    if language in left_out:
        return {}
    env = {}
    for name in read(code):
        kind = next((k for k, pattern in kinds if pattern.search(name)), None)
        if name in CONTRACT_NAMES or kind is None:
            continue
        env[name] = values.get(kind, "")
        what = {"uri": "the stub's URI", "key": "the scenario's key", "deployment": "the scenario's deployment"}[kind]
        notes.append(f"the sample reads {name} from its environment: given {what if env[name] else 'nothing (none)'}")
        if kind == "uri":  # the address is not missing after all
            notes[:] = [n for n in notes if not n.startswith("no service address found in the code")]
    return env
