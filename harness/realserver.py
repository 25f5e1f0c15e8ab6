"""Real model servers, as data: ``servers/<name>.toml`` plus the files beside it in ``servers/<name>/``.

A definition says how to install the server (pinned requirements, installed
once into a cached virtual environment), how to start it on 127.0.0.1 on a
free port, which route answers once it is ready, which protocols it speaks and
which models it can serve (each model is environment variables and arguments
for the start command).  Adding a real server is files only.

    with running(load_servers()["azureml-inference-server-http"], "diabetes") as server:
        requests.post(server.url + "/score", ...)

The virtual environments live under ``$SCORING_KIT_CACHE/servers`` (default
``~/.cache/scoring-kit/servers``), one per definition and hash of its
requirements and this Python's version; a half-built one is rebuilt.

On the Docker backend the same definition runs in a container instead (``[docker]``: the images.toml
entry its image is built on, the port it listens on; backends/docker_servers.py): the image holds the
same pinned requirements, and the same ``[local]`` command runs in it with the container's paths.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .datafiles import HERE, ROOT, CatalogError, command, load_toml, only, render, strings
from .protocols import load_protocols

SERVERS = HERE / "servers"
SERVER_KEYS = {"title", "protocols", "ready", "start_seconds", "local", "docker", "models"}
DOCKER_KEYS = {"base", "port"}
LOCAL_KEYS = {"requirements", "command", "env", "describe"}
MODEL_KEYS = {"protocol", "env", "args"}
READY_KEYS = {"path", "status"}
COMPLETE = ".complete"  # written last into a virtual environment that finished installing
BASICS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")


class ServerUnavailable(Exception):
    """A real server cannot be installed or started; the message says why (and where its log is)."""


@dataclass(frozen=True)
class ServedModel:
    name: str
    protocol: str
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServerDefinition:
    name: str
    title: str
    folder: Path  # servers/<name>/: its requirements, entry scripts and the like
    protocols: tuple[str, ...]
    requirements: Path
    command: tuple[str, ...]
    env: dict[str, str]
    ready_path: str
    ready_status: int
    start_seconds: float
    models: dict[str, ServedModel]
    describe: tuple[str, ...] = ()
    # [docker] base, per image profile: an images.toml entry of the profile, or the profile's own kind of
    # reference (an image to pull, a Dockerfile under images/); a profile it lacks has no image of this server.
    docker_base: dict[str, str] = field(default_factory=lambda: {"official": "python", "debian": "python"})
    docker_port: int = 8080  # [docker] port: where it listens in its container


def _model(name: str, doc: dict, where: str, protocols: tuple[str, ...]) -> ServedModel:
    only(doc, MODEL_KEYS, where)
    protocol = doc.get("protocol")
    if protocol not in protocols:
        raise CatalogError(f"{where}.protocol: {protocol!r} is not one of the server's protocols {list(protocols)}")
    args = command(doc["args"], f"{where}.args") if "args" in doc else ()
    return ServedModel(name, protocol, strings(doc.get("env")), args)


def load_server(path: Path) -> ServerDefinition:
    """One definition, validated: unknown keys, a missing file or a protocol the stub lacks are one line."""
    doc, name = load_toml(path), path.stem
    only(doc, SERVER_KEYS, str(path))
    local, ready, docker = doc.get("local"), doc.get("ready", {}), doc.get("docker", {})
    only(local, LOCAL_KEYS, f"{path}: [local]")
    only(ready, READY_KEYS, f"{path}: ready")
    only(docker, DOCKER_KEYS, f"{path}: [docker]")
    port, base = docker.get("port", 8080), docker.get("base", "python")
    if not isinstance(base, str | dict) or not base:
        raise CatalogError(f"{path}: [docker] base is an images.toml entry or a table of them per profile")
    if not (isinstance(port, int) and 0 < port < 65536):
        raise CatalogError(f"{path}: [docker] port must be a TCP port number, got {port!r}")
    protocols, known = tuple(doc.get("protocols") or ()), load_protocols()  # the stub's, in protocols.toml
    if not protocols or any(p not in known for p in protocols):
        raise CatalogError(f"{path}: protocols must name some of {', '.join(known)}, got {list(protocols)}")
    folder = path.with_suffix("")
    requirements = folder / str(local.get("requirements", "requirements.txt"))
    if not requirements.is_file():
        raise CatalogError(f"{path}: [local] requirements: no file {requirements}")
    models = doc.get("models") or {}
    if not isinstance(models, dict) or not models:
        raise CatalogError(f"{path}: [models.<name>] needs at least one model")
    return ServerDefinition(
        name=name,
        title=str(doc.get("title", name)),
        folder=folder,
        protocols=protocols,
        requirements=requirements,
        command=command(local.get("command"), f"{path}: [local] command"),
        env=strings(local.get("env")),
        ready_path=str(ready.get("path", "/")),
        ready_status=int(ready.get("status", 200)),
        start_seconds=float(doc.get("start_seconds", 60)),
        models={m: _model(m, d, f"{path}: [models.{m}]", protocols) for m, d in models.items()},
        describe=command(local["describe"], f"{path}: [local] describe") if "describe" in local else (),
        docker_base=strings(base) if isinstance(base, dict) else {"official": base, "debian": base},
        docker_port=port,
    )


def load_servers(folder: Path = SERVERS) -> dict[str, ServerDefinition]:
    return {p.stem: load_server(p) for p in sorted(folder.glob("*.toml"))}


# -- the cached virtual environment ------------------------------------------------------
def cache_root() -> Path:
    base = os.environ.get("SCORING_KIT_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "scoring-kit")
    return Path(base) / "servers"


def venv_path(defn: ServerDefinition, root: Path | None = None) -> Path:
    """Where the definition's environment lives: its name and a hash of what goes into it."""
    digest = hashlib.sha256(defn.requirements.read_bytes())
    digest.update(f"{sys.version_info[0]}.{sys.version_info[1]} {sys.platform}".encode())
    return (root or cache_root()) / f"{defn.name}-{digest.hexdigest()[:12]}"


def ensure_venv(defn: ServerDefinition, log: Callable[[str], None] = lambda m: None, root: Path | None = None) -> Path:
    """The definition's virtual environment, made (under a lock, so concurrent runs make it once) if missing."""
    venv = venv_path(defn, root)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (venv / COMPLETE).is_file():
            return venv
        shutil.rmtree(venv, ignore_errors=True)  # half-built by a run that was stopped
        log(f"{defn.name}: installing {defn.requirements.name} into {venv} (once)")
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        steps = [[sys.executable, "-m", "venv", str(venv)], [*pip, "-r", str(defn.requirements)]]
        for argv in steps:
            done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if done.returncode != 0:
                tail = (done.stderr.strip() or done.stdout.strip() or "(no output)").splitlines()[-1]
                shutil.rmtree(venv, ignore_errors=True)
                raise ServerUnavailable(f"{defn.name}: `{' '.join(argv[:4])} ...` failed: {tail}")
        (venv / COMPLETE).write_text(defn.requirements.read_text(encoding="utf-8"), encoding="utf-8")
        return venv


# -- running one ------------------------------------------------------------------------------
@dataclass
class RealServer:
    definition: ServerDefinition
    model: str
    url: str  # http://HOST:PORT
    log_path: Path
    pid: int = 0  # the local process group's leader (0 in a container)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def variables(defn: ServerDefinition, venv: Path, host: str, port: int) -> dict[str, str]:
    return {
        "python": str(venv / "bin" / "python"),
        "venv": str(venv),
        "host": host,
        "port": str(port),
        "server_dir": str(defn.folder),
        "root": str(ROOT),
    }


def start_command(
    defn: ServerDefinition, model: str, known: dict[str, str], inherit: bool = True
) -> tuple[list[str], dict[str, str]]:
    """The command and environment that start ``defn`` serving ``model`` (with this machine's PATH, HOME and
    the like, unless ``inherit`` is false: in a container, its image's own)."""
    if model not in defn.models:
        raise CatalogError(f"{defn.name} serves no model {model!r}; it serves {', '.join(defn.models)}")
    served = defn.models[model]
    env = {k: os.environ[k] for k in BASICS if k in os.environ and inherit}
    env.update(render({**defn.env, **served.env}, known))
    return render([*defn.command, *served.args], known), env


def describe(defn: ServerDefinition, log: Callable[[str], None] = lambda m: None) -> str:
    """What the definition's ``describe`` command prints about this installation (e.g. its BLAS kernel)."""
    if not defn.describe:
        return ""
    venv = ensure_venv(defn, log)
    argv = render(list(defn.describe), variables(defn, venv, "127.0.0.1", 0))
    env = {k: os.environ[k] for k in BASICS if k in os.environ}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    return (done.stdout.strip() or done.stderr.strip()).replace("\n", " ")


@contextlib.contextmanager
def running(
    defn: ServerDefinition,
    model: str,
    log_dir: Path | None = None,
    log: Callable[[str], None] = lambda m: None,
    host: str = "127.0.0.1",
) -> Iterator[RealServer]:
    """Install (once), start on ``host`` (loopback, or a Docker network's own address) on a free port, wait
    until ready; stop it (and every process it started) on the way out."""
    venv = ensure_venv(defn, log)
    port = free_port(host)
    argv, env = start_command(defn, model, variables(defn, venv, host, port))
    log_dir = log_dir or venv.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{defn.name}-{model}-{port}.log"
    with log_path.open("w", encoding="utf-8") as out:
        try:
            proc = subprocess.Popen(
                argv, cwd=defn.folder, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise ServerUnavailable(f"{defn.name}: cannot start {argv[0]}: {exc.strerror or exc}") from None
        try:
            server = RealServer(defn, model, f"http://{host}:{port}", log_path, proc.pid)
            wait_ready(server, proc)
            yield server
        finally:
            stop(proc)


def wait_ready(server: RealServer, proc: subprocess.Popen) -> None:
    defn = server.definition
    deadline = time.monotonic() + defn.start_seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = server.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
            raise ServerUnavailable(
                f"{defn.name} exited with code {proc.returncode} while starting: "
                f"{tail[0] if tail else '(no output)'} (log: {server.log_path})"
            )
        if _status(server.url + defn.ready_path) == defn.ready_status:
            return
        time.sleep(0.2)
    raise ServerUnavailable(
        f"{defn.name} did not answer GET {defn.ready_path} with {defn.ready_status} within "
        f"{defn.start_seconds:g} s (log: {server.log_path})"
    )


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def stop(proc: subprocess.Popen, seconds: float = 10.0) -> None:
    """SIGTERM to the server's whole process group (gunicorn and its workers), then SIGKILL if need be."""
    for sig, wait in ((signal.SIGTERM, seconds), (signal.SIGKILL, seconds)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        with contextlib.suppress(ProcessLookupError):  # workers left in the group after the leader went
            os.killpg(proc.pid, signal.SIGKILL)
        return
