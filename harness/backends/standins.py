"""Stand-ins for official SDK images, for machines that reach no container registry.

``python -m harness images standins`` builds, per language of ``images/standins/standins.toml``, an image
tagged exactly like the official one (``images.toml`` [official]) from the debian profile's image of that
language, laid out like the official image and labelled ``scoring-kit.standin``; then it checks that
layout.  A present image under that tag without the label (a real official image) is kept, never
overwritten.  ``--images official`` runs use stand-ins like real images and say so (docker_images.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import docker
from rich.console import Console

from .docker import MANAGED, connect
from .docker_images import (
    STANDINS_DIR,
    ImageError,
    Images,
    load_standins,
    official_refs,
    standin_label,
    unverified,
)


def layout_problems(client: docker.DockerClient, image: str, layout: dict) -> list[str]:
    """How an image differs from an official image's layout (standins.toml); [] when it has that layout."""
    config = client.images.get(image).attrs["Config"]
    env = dict(item.split("=", 1) for item in config.get("Env") or [])
    problems = [f"env {k}={env.get(k)!r}, official {v!r}" for k, v in layout["env"].items() if env.get(k, "") != v]
    problems += [
        f"env {k}={env.get(k)!r}, official {v}..." for k, v in layout["env_prefix"].items() if not env.get(k, "")
        or not env[k].startswith(v)
    ]  # fmt: skip
    if env.get("PATH") != layout["path"]:
        problems.append(f"PATH={env.get('PATH')!r}, official {layout['path']!r}")
    for key, field in (("workdir", "WorkingDir"), ("user", "User"), ("entrypoint", "Entrypoint"), ("cmd", "Cmd")):
        got = config.get(field) or type(layout[key])()
        if got != layout[key]:
            problems.append(f"{key} {got!r}, official {layout[key]!r}")
    return problems + _inside_problems(client, image, layout)


def _inside_problems(client: docker.DockerClient, image: str, layout: dict) -> list[str]:
    """Where each command resolves on the image's PATH, and which files and folders exist (one container)."""
    script = [f'printf "command {name} %s\\n" "$(command -v {name})"' for name in layout["commands"]]
    script += [f'[ -f {f} ] && [ ! -h {f} ] && echo "file {f}"' for f in layout["files"]]
    script += [f'[ -d {d} ] && echo "dir {d}"' for d in layout["dirs"]]
    out = client.containers.run(
        image, entrypoint=["sh", "-c", "; ".join(script) + "; true"], remove=True, labels={MANAGED: "true"}
    ).decode()
    lines = out.splitlines()
    resolved = dict(line.split(" ", 2)[1:] for line in lines if line.startswith("command ") and line.count(" ") == 2)
    problems = [
        f"{name} is {resolved.get(name) or 'not on PATH'}, official {where}"
        for name, where in layout["commands"].items()
        if resolved.get(name) != where
    ]
    problems += [f"no plain file {f}" for f in layout["files"] if f"file {f}" not in lines]
    return problems + [f"no folder {d}" for d in layout["dirs"] if f"dir {d}" not in lines]


SAYS = {"built": "stand-in", "kept": "kept as it is:", "layout-differs": "stand-in NOT laid out as the official:"}


@dataclass
class Outcome:
    language: str
    ref: str
    state: str  # built | kept | layout-differs
    detail: str = ""


def build_standins(client: docker.DockerClient, log: Callable[[str], None]) -> list[Outcome]:
    """Build each stand-in under its official tag (unless a real image has that tag), then check its layout."""
    debian = Images(client, "debian", None, {MANAGED: "true"}, log)  # no extra CA: as an official image comes
    refs, outcomes = official_refs(), []
    for language, layout in load_standins().items():
        ref = refs[language]
        if standin_label(client, ref) == "":
            outcomes.append(Outcome(language, ref, "kept", "present and not a stand-in (no scoring-kit.standin label)"))
            continue
        base = debian.sdk(language)
        debian.build(STANDINS_DIR, STANDINS_DIR / layout["dockerfile"], ref, {"BASE": base, "STANDS_FOR": ref})
        problems = layout_problems(client, ref, layout)
        size = client.images.get(ref).attrs.get("Size", 0) / 1e6
        outcomes.append(
            Outcome(language, ref, "layout-differs", "; ".join(problems))
            if problems
            else Outcome(language, ref, "built", f"from {base}, {size:.0f} MB, official layout")
        )
    return outcomes


def command(args: argparse.Namespace, console: Console) -> int:
    """``images standins``: one line per language; exit 1 when a build fails or a layout differs."""
    client = connect()
    try:
        outcomes = build_standins(client, lambda message: console.print(f"docker  {message}", soft_wrap=True))
    except ImageError as exc:
        console.print(f"standins: {exc}", soft_wrap=True)
        return 1
    for o in outcomes:
        console.print(f"{o.language}: {o.ref} {SAYS[o.state]} {o.detail}", soft_wrap=True, markup=False)
    missing = unverified(client)
    if missing:
        console.print(f"no stand-in, unverified here on the official profile: {', '.join(missing)}", markup=False)
    return 1 if any(o.state == "layout-differs" for o in outcomes) else 0
