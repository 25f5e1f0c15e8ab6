"""The images a Docker run needs, per profile (``images/images.toml``).

* ``official``: the languages' own SDK images, pulled if absent.  A pull
  that fails says so in one line and points to ``--images debian``.  A present
  image labelled ``scoring-kit.standin`` is a stand-in built here (standins.py):
  used like the real one, and said so in one line and in ``notes``.
* ``debian``: built here from Debian packages (``images/debian/*.Dockerfile``)
  on a base image made without a registry: a local ``debian:<release>`` of
  the base's Debian release if there is one, else ``debootstrap`` + ``docker import`` (``make-base.sh``).

With extra CA certificates (``--ca-bundle``), every image trusts them: the
debian Dockerfiles take them at build time, official images get a thin layer
(``official/ca.Dockerfile``).  Builds go through Docker's layer cache, so a
second run finds everything built.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors

from ..catalog import HERE, ROOT
from ..procs import run_command

IMAGES_DIR = HERE / "images"
STANDINS_DIR = IMAGES_DIR / "standins"
SERVER_DOCKERFILE = IMAGES_DIR / "server.Dockerfile"  # a real model server's image (harness/servers/)
STANDIN = "scoring-kit.standin"  # the label of a stand-in: what it stands in for, built from what
UNVERIFIED = "official profile on stand-ins; no stand-in, so unverified here: "


class ImageError(Exception):
    """An image can be neither found, pulled nor built; the message says what to do."""


class Images:
    def __init__(
        self,
        client: docker.DockerClient,
        profile: str,
        ca_bundle: Path | None,
        labels: dict[str, str],
        log: Callable[[str], None],
    ) -> None:
        table = tomllib.loads((IMAGES_DIR / "images.toml").read_text(encoding="utf-8"))
        if profile not in table:
            raise ImageError(f"unknown image profile {profile!r}; known: {', '.join(table)}")
        self.client, self.profile, self.table = client, profile, table[profile]
        self.ca_bundle, self.labels, self.log = ca_bundle, labels, log
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._done: dict[str, str] = {}
        self.standins: dict[str, str] = {}  # official tag -> its stand-in label, for the present stand-ins
        self.notes: list[str] = []  # what a run's results must say about its images (stand-ins, unverified)

    # -- public -------------------------------------------------------------
    def sdk(self, language: str) -> str:
        """The SDK image for a language, ready to run."""
        if language not in self.table:
            raise ImageError(f"no {self.profile} image for {language} in {IMAGES_DIR / 'images.toml'}")
        ref = self.table[language]
        image = self._once(ref, lambda: self._resolve(ref))
        self._once(f"note {language}", lambda: self._standin_note(language, ref))
        return image

    def standin_of(self, language: str) -> str:
        """The stand-in label of the language's image ("" for a real image or another profile)."""
        return self.standins.get(self.table.get(language, ""), "")

    def stub(self) -> str:
        """The stub server's image, built on this profile's Python image."""
        ref = self.table["stub"]
        base = self._once(ref, lambda: self._resolve(ref))
        self._once("note stub", lambda: self._standin_note("stub", ref))

        def build() -> str:
            tag = f"scoring-kit/stub:{_digest(ROOT / 'server_stub', base)}"
            self.build(ROOT / "server_stub", ROOT / "server_stub" / "Dockerfile", tag, {"BASE": base})
            return tag

        return self._once("stub", build)

    def server(self, name: str, folder: Path, bases: dict[str, str]) -> str:
        """A real model server's image: ``folder`` (its pinned requirements and scripts) and the stub's models on
        this profile's base (``bases``: an images.toml entry or a reference); the tag is a hash of all of it."""
        if self.profile not in bases:
            raise ImageError(
                f"{name} has no image on the {self.profile} profile (its [docker] base names {', '.join(bases)}: "
                f"harness/servers/{name}.toml says why)"
            )
        entry = bases[self.profile]
        ref = self.table.get(entry, entry)
        key = entry if isinstance(ref, dict) else ref  # an entry of its own recipe is named by its key
        base = self._once(key, lambda: self._resolve(ref, entry))
        self._once(f"note {key}", lambda: self._standin_note(f"{name}'s base", key))

        def build() -> str:
            models = ROOT / "server_stub" / "models"
            recipe = SERVER_DOCKERFILE.read_text(encoding="utf-8")
            tag = f"scoring-kit/server-{name}:{_digest(folder, base, _digest(models), recipe)}"
            with tempfile.TemporaryDirectory() as ctx:
                shutil.copytree(folder, Path(ctx) / "server", ignore=shutil.ignore_patterns("__pycache__"))
                shutil.copytree(models, Path(ctx) / "models")
                self.build(Path(ctx), SERVER_DOCKERFILE, tag, {"BASE": base, "SERVER": name})
            return tag

        return self._once(f"server {name}", build)

    # -- resolution ---------------------------------------------------------
    def _once(self, key: str, make: Callable[[], str]) -> str:
        """make() once per key: languages run in parallel, each image is built once."""
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one lock per image: different images build side by side
            if key not in self._done:
                self._done[key] = make()
            return self._done[key]

    def _resolve(self, ref: str | dict, name: str = "") -> str:
        if self.profile == "debian":
            # A Dockerfile on the profile's base, or an entry's own recipe: {dockerfile, suite, args} builds on
            # the base of another Debian release with build arguments (Python 3.11 on Debian 12 for MLServer).
            recipe = ref if isinstance(ref, dict) else {"dockerfile": ref}
            repo, default_suite = self.table["base"].rsplit(":", 1)
            suite = recipe.get("suite", default_suite)  # the base's Debian release names the images
            base = self._once(f"base {suite}", lambda: self._debian_base(f"{repo}:{suite}"))
            stem = name if isinstance(ref, dict) else Path(ref).stem
            # One tag per CA bundle: runs with and without extra CAs do not rebuild each other's images.
            tag = f"scoring-kit/debian-{stem}:{suite}{self._ca_suffix()}"
            with tempfile.TemporaryDirectory() as ctx:
                self._ca_context(Path(ctx))
                args = {"BASE": base, **{k: str(v) for k, v in recipe.get("args", {}).items()}}
                self.build(Path(ctx), IMAGES_DIR / recipe["dockerfile"], tag, args)
            return tag
        image = self._pull(ref)
        if not self.ca_bundle:
            return image
        name = ref.rsplit("/", 1)[-1].split(":")[0]
        tag = f"scoring-kit/ca-{name}:{hashlib.sha256(ref.encode()).hexdigest()[:8]}{self._ca_suffix()}"
        with tempfile.TemporaryDirectory() as ctx:
            self._ca_context(Path(ctx))
            self.build(Path(ctx), IMAGES_DIR / "official" / "ca.Dockerfile", tag, {"BASE": image})
        return tag

    def _pull(self, ref: str) -> str:
        label = standin_label(self.client, ref)
        if label:
            self.standins[ref] = label
        if label is not None:
            return ref
        self.log(f"pulling {ref}")
        try:
            self.client.images.pull(ref)
        except docker.errors.APIError as exc:
            reason = str(exc.explanation or exc).splitlines()[0][:200]
            raise ImageError(
                f"cannot pull {ref} ({reason}); where no container registry is reachable, "
                "use --images debian to build equivalent images from Debian packages (or, for go, java and "
                "python, stand-ins under the official tags: python -m harness images standins)"
            ) from None
        return ref

    def _standin_note(self, who: str, ref: str) -> str:
        """One line, once, for an official tag that is a stand-in; with the first, the unverified languages."""
        if ref not in self.standins:
            return ""
        self._once("note unverified", lambda: self._note(UNVERIFIED + (", ".join(unverified(self.client)) or "none")))
        self._note(f"{who}: {self.standins[ref]}, not the official image")  # the label says what and from what
        return ""

    def _note(self, line: str) -> str:
        self.notes.append(line)
        self.log(line)
        return line

    def _debian_base(self, wanted: str) -> str:
        suite = wanted.rsplit(":", 1)[-1]
        for ref in (wanted, f"debian:{suite}", f"debian:{suite}-slim"):
            try:
                self.client.images.get(ref)
                return ref
            except docker.errors.ImageNotFound:
                continue
        if shutil.which("debootstrap") is None:
            raise ImageError(
                f"no Debian base image ({wanted}) and no debootstrap to make one: "
                f"apt-get install debootstrap (as root), or load a debian:{suite} image"
            )
        self.log(f"making {wanted} with debootstrap (about a minute)")
        # In its own process group, killed whole on timeout or Ctrl-C.
        result = run_command(
            ["sh", str(IMAGES_DIR / "debian" / "make-base.sh"), wanted], cwd=ROOT, env=dict(os.environ), timeout=900
        )
        if result.exit_code != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:] or ["timed out"]
            raise ImageError(f"making {wanted} failed: " + " | ".join(tail))
        return wanted

    def _ca_suffix(self) -> str:
        if not self.ca_bundle:
            return ""
        return "-ca" + hashlib.sha256(self.ca_bundle.read_bytes()).hexdigest()[:10]

    # -- building -----------------------------------------------------------
    def _ca_context(self, ctx: Path) -> None:
        (ctx / "extra-ca").mkdir()
        shutil.copy(IMAGES_DIR / "extra-ca.sh", ctx / "extra-ca.sh")
        if self.ca_bundle:
            shutil.copy(self.ca_bundle, ctx / "extra-ca" / "extra.crt")

    def build(self, context: Path, dockerfile: Path, tag: str, buildargs: dict[str, str]) -> None:
        # Always through the builder: its layer cache makes an unchanged image a
        # sub-second no-op, and a changed Dockerfile, script or base is never missed.
        try:
            before = self.client.images.get(tag).id
        except docker.errors.ImageNotFound:
            before = None
        if before is None:
            self.log(f"building {tag}")
        start = time.monotonic()
        # The SDK sends a Dockerfile outside the context along with it.
        try:
            image, _ = self.client.images.build(
                path=str(context),
                dockerfile=str(dockerfile),
                tag=tag,
                buildargs=buildargs,
                rm=True,
                forcerm=True,
                labels=self.labels,
                pull=False,
            )
        except docker.errors.BuildError as exc:
            lines = [str(x.get("stream", x.get("error", ""))).rstrip() for x in exc.build_log]
            tail = [ln for ln in lines if ln][-8:]
            raise ImageError(f"building {tag} failed: {exc.msg}\n" + "\n".join(tail)) from None
        except docker.errors.APIError as exc:
            raise ImageError(f"building {tag} failed: {exc.explanation or exc}") from None
        if image.id != before:
            self.log(f"{'built' if before is None else 'rebuilt'} {tag} in {time.monotonic() - start:.0f} s")


def load_standins() -> dict[str, dict]:
    """images/standins/standins.toml: per language with a stand-in, its Dockerfile and the official layout."""
    return tomllib.loads((STANDINS_DIR / "standins.toml").read_text(encoding="utf-8"))


def standin_label(client: docker.DockerClient, ref: str) -> str | None:
    """A present image's stand-in label: "" for a present image without it (a real one); None when absent."""
    try:
        return (client.images.get(ref).labels or {}).get(STANDIN, "")
    except docker.errors.ImageNotFound:
        return None


def official_refs() -> dict[str, str]:
    """images.toml [official]: language (and "stub") -> the official image's reference."""
    return tomllib.loads((IMAGES_DIR / "images.toml").read_text(encoding="utf-8"))["official"]


def unverified(client: docker.DockerClient) -> list[str]:
    """The official images with no stand-in and not present here, e.g. 'csharp (mcr.microsoft.com/dotnet/sdk:10.0)'."""
    table = official_refs()
    have = load_standins()
    return [
        f"{lang} ({ref})"
        for lang, ref in table.items()
        if lang not in have and lang != "stub" and standin_label(client, ref) is None
    ]


def _digest(folder: Path, *extra: str) -> str:
    """A short hash of a folder's files (and extra strings): the stub image's tag."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(folder)).encode())
        h.update(path.read_bytes())
    for item in extra:
        h.update(item.encode())
    return h.hexdigest()[:12]
