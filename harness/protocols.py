"""The protocols the stub speaks (``protocols.toml``): the programs that call each one, its model, and
whether a real server can stand in for it (``servers/``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .datafiles import HERE, CatalogError, load_toml, only

PROTOCOLS_FILE = HERE / "protocols.toml"
KEYS = {"title", "programs", "model", "no_real_server"}


@dataclass(frozen=True)
class Protocol:
    name: str
    title: str
    programs: tuple[str, ...]
    model: str
    no_real_server: str = ""  # why no real server can stand in for it (empty: one can)


@cache
def load_protocols() -> dict[str, Protocol]:
    doc = load_toml(PROTOCOLS_FILE)
    out, owner = {}, {}
    for name, entry in doc.items():
        where = f"{PROTOCOLS_FILE}: [{name}]"
        only(entry, KEYS, where)
        programs = entry.get("programs")
        if not isinstance(programs, list) or not programs or not all(isinstance(p, str) for p in programs):
            raise CatalogError(f"{where}: programs is a list of program names")
        for program in programs:
            if program in owner:
                raise CatalogError(f"{where}: program {program!r} is already [{owner[program]}]'s")
            owner[program] = name
        out[name] = Protocol(
            name, str(entry.get("title", name)), tuple(programs), str(entry.get("model", "diabetes")),
            str(entry.get("no_real_server", "")),
        )  # fmt: skip
    return out


def protocol_of(program: str) -> Protocol:
    """The protocol a sample program calls; one line naming the file when none lists it."""
    for protocol in load_protocols().values():
        if program in protocol.programs:
            return protocol
    raise CatalogError(f"program {program!r} is in no protocol's programs in {PROTOCOLS_FILE}")
