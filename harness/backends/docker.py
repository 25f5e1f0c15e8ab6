"""The Docker backend: the stub in a container, each client in its SDK container.

Per run: one network (internal with ``--offline``: then only the stub is
also on a second one, for its published port); the stub container on it (its port published on
127.0.0.1 for the harness, reached by clients by container name); per
language one long-lived SDK container with the client folder mounted
read-only, built once, then every scenario executed in it.  With ``--server real``
each real model server runs in a container of its own on the network too (docker_servers.py), the stub
forwarding to it by name.  Package caches
are named volumes kept across runs.  Everything created carries labels
(``io.scoring-kit.*``); ``close()`` removes the run's containers and
network, and objects left by a run that was killed (its process is gone) are
reaped at the next start or by ``python -m harness clean``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import docker
import docker.errors
import requests

from ..catalog import DEFAULT_PROGRAM, HERE, Language, docker_toolchain
from ..stubctl import StubControl, StubUnavailable
from ..tls import RunCertificates, TlsEndpoints
from .base import (
    BackendOptions,
    BackendUnavailable,
    BuildError,
    Built,
    RunResult,
    build_commands,
    check_options,
    program_commands,
    record_step,
    stage_client,
    tls_steps,
)
from .docker_images import ImageError, Images

LABEL = "io.scoring-kit"
MANAGED, SESSION, PID, HOST, KEEP = (f"{LABEL}.{k}" for k in ("managed", "session", "pid", "host", "keep"))
BUILD_TIMEOUT = 900
STUB_PORT = 5001
TLS_PORT, UNKNOWN_CA_PORT = 5443, 5444  # HTTPS: a certificate from the run's CA, and one from a CA nobody trusts
CA_DIR = "/tls-ca"  # the run's CA, mounted read-only in every client container


class DockerUnavailable(BackendUnavailable):
    """No Docker engine to talk to; the message says how to get one."""


def connect(timeout: int = BUILD_TIMEOUT + 120) -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as exc:
        reason = str(exc).split("\n")[0][:160]
        raise DockerUnavailable(
            f"Docker is not available ({reason}): install and start the Docker engine "
            "(e.g. apt-get install docker.io && dockerd &), or use --backend local"
        ) from None
    return client


@contextlib.contextmanager
def engine_answers(doing: str) -> Iterator[None]:
    """An engine that stops answering while the run uses it (dockerd stopped, its socket gone) becomes one clear
    DockerUnavailable (the CLI's one line and exit 2), not a traceback; an engine that answers with an error
    (APIError) is the caller's to handle."""
    try:
        yield
    except docker.errors.APIError:
        raise
    except (requests.RequestException, docker.errors.DockerException) as exc:
        reason = str(exc).split("\n")[0][:160] or type(exc).__name__
        raise DockerUnavailable(
            f"Docker stopped answering while {doing} ({reason}): check the engine (docker info) and run again; "
            "what the run made is removed by `python -m harness clean` once the engine is back"
        ) from None


REGISTRY_PROBE = "https://registry-1.docker.io/v2/"  # answers 401 to anyone when reachable
HOST_CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem")


def choose_profile(images: str, log) -> str:
    """``auto``: the official SDK images where a container registry answers, else the registry-free ones."""
    if images != "auto":
        return images
    try:
        requests.get(REGISTRY_PROBE, timeout=5)
    except requests.RequestException as exc:
        log(f"images: debian (registry-free): no container registry answers ({type(exc).__name__})")
        return "debian"
    log("images: official (a container registry answers)")
    return "official"


def host_ca_bundle() -> Path | None:
    """What the host trusts, for every image to trust too (a TLS-inspecting proxy needs it)."""
    return next((Path(p) for p in HOST_CA_BUNDLES if Path(p).is_file()), None)


def _alive(pid: str, host: str) -> bool:
    if host != socket.gethostname():
        return True  # another machine's run: not ours to judge
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def clean(client: docker.DockerClient, only_dead: bool = False, volumes: bool = False) -> dict[str, int]:
    """Remove labelled containers and networks (of dead runs only, or all); cache volumes on request."""
    counts = {"containers": 0, "networks": 0, "volumes": 0}
    flt = {"label": f"{MANAGED}=true"}
    # ignore_removed: another run may remove one of its containers between the listing and its inspection
    for c in client.containers.list(all=True, filters=flt, ignore_removed=True):
        if only_dead and _alive(c.labels.get(PID, ""), c.labels.get(HOST, "")):
            continue
        with contextlib.suppress(docker.errors.NotFound):
            c.remove(force=True, v=True)
            counts["containers"] += 1
    for n in client.networks.list(filters=flt):
        if only_dead and _alive(n.attrs.get("Labels", {}).get(PID, ""), n.attrs.get("Labels", {}).get(HOST, "")):
            continue
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            n.remove()
            counts["networks"] += 1
    if volumes:
        for v in client.volumes.list(filters=flt):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                v.remove(force=True)
                counts["volumes"] += 1
    return counts


class DockerBackend:
    name = "docker"
    payloads = "/payloads"  # harness/payloads, mounted read-only in every client container
    python = "python3"
    OPTIONS = {"images", "ca_bundle", "cache_dir", "offline"}

    def __init__(self, options: BackendOptions | None = None) -> None:
        options = options or BackendOptions()
        check_options("docker", options, self.OPTIONS)
        offline, cache_dir, log = options.offline, options.cache_dir, options.log
        self.client = connect()
        images, ca_bundle = choose_profile(options.images, log), options.ca_bundle or host_ca_bundle()
        self.session = uuid.uuid4().hex[:10]
        self.labels = {MANAGED: "true", SESSION: self.session, PID: str(os.getpid()), HOST: socket.gethostname()}
        self.log = log or (lambda message: None)
        self.profile = images
        self.cache_dir = cache_dir.resolve() if cache_dir else None
        clean(self.client, only_dead=True)
        self.images = Images(self.client, images, ca_bundle, {MANAGED: "true"}, self.log)
        from .reaper import Reaper  # (imported here: it imports this module's labels and errors)

        self.reaper = Reaper(self.client, self.images.stub, self.labels)  # up before the run creates anything
        # Offline: the run's network is internal (containers reach each other, nothing
        # else); the stub also joins a second, ordinary network for its published port.
        self.networks = [
            self.client.networks.create(f"scoring-kit-{self.session}", internal=offline, labels=self.labels)
        ]
        if offline:
            self.networks.append(self.client.networks.create(f"scoring-kit-{self.session}-admin", labels=self.labels))
        self.network = self.networks[0]
        self.containers: list = []
        self.closed = False
        self.tls: TlsEndpoints | None = None
        self.certs: RunCertificates | None = None
        self.name = f"docker/{images}"

    @property
    def notes(self) -> list[str]:
        """Stand-ins used for official images, and the languages unverified on the official profile then."""
        return list(self.images.notes)

    def close(self) -> None:
        """Remove this run's containers and network (idempotent, safe from any thread)."""
        self.closed = True
        gone = (docker.errors.DockerException, requests.RequestException)  # removed, refused, or no engine left
        for container in list(self.containers):
            with contextlib.suppress(*gone):
                container.remove(force=True, v=True)
        self.containers.clear()
        for network in self.networks:
            with contextlib.suppress(*gone):
                network.remove()
        self.reaper.stop()  # it sweeps what is left, if anything, and goes

    def real_server(self, defn, model: str, log_dir: Path, log) -> contextlib.AbstractContextManager:
        """--server real: the real server in its own container on the run's network (docker_servers.py)."""
        from .docker_servers import serving  # (imported here: it imports this module's image errors)

        return serving(self, defn, model, log_dir, log)

    def _name(self, name: str) -> str:
        return f"scoring-kit-{name}-{self.session}"

    def _container(self, image: str, name: str, *, networks=None, **kwargs) -> docker.models.containers.Container:
        """Create and start a labelled container on the run's network(s); a stopped run creates none."""
        name = self._name(name)
        first, *more = networks or [self.network]
        stopped = BuildError("build-failed", "the run was stopped")
        if self.closed:
            raise stopped
        try:
            container = self.client.containers.create(
                image, name=name, network=first.name, labels=self.labels, **kwargs
            )
            for network in more:
                network.connect(container)
        except BaseException:  # e.g. the network went away under a stopped run: no half-made container
            with contextlib.suppress(docker.errors.APIError):
                self.client.containers.get(name).remove(force=True)
            raise
        self.containers.append(container)  # from here on, close() removes it
        if self.closed:
            self.close()
            raise stopped
        container.start()
        return container

    # -- stub ---------------------------------------------------------------
    @contextlib.contextmanager
    def stub(self, log_path: Path) -> Iterator[tuple[str, str]]:
        try:
            image = self.images.stub()
        except ImageError as exc:
            raise StubUnavailable(f"stub image: {exc}") from None
        name = self._name("stub")
        self.certs = certs = RunCertificates.create(log_path.parent.parent / "tls", [name, "localhost", "127.0.0.1"])
        # Published on 127.0.0.1 through the last network (an internal one publishes nothing).
        with engine_answers("starting the stub"):
            container = self._container(
                image,
                "stub",
                networks=self.networks[::-1],
                ports={f"{STUB_PORT}/tcp": ("127.0.0.1", None)},
                volumes={str(certs.server_pem.parent): {"bind": "/tls", "mode": "ro"}},
                command=["--tls", f"{TLS_PORT}=/tls/{certs.server_pem.name}"]
                + ["--tls", f"{UNKNOWN_CA_PORT}=/tls/{certs.unknown_pem.name}"],
            )
        try:
            with engine_answers("starting the stub"):
                container.reload()
                port = container.attrs["NetworkSettings"]["Ports"][f"{STUB_PORT}/tcp"][0]["HostPort"]
            admin_url = f"http://127.0.0.1:{port}"

            def alive() -> bool:
                with engine_answers("waiting for the stub"):
                    container.reload()
                return container.status in ("created", "running")

            try:
                StubControl(admin_url).wait_ready(alive=alive)
            except StubUnavailable as exc:
                tail = container.logs(tail=5).decode("utf-8", "replace").strip()
                raise StubUnavailable(f"{exc}; stub container log: {tail}") from None
            self.tls = TlsEndpoints(
                f"https://{name}:{TLS_PORT}", f"https://{name}:{UNKNOWN_CA_PORT}", f"{CA_DIR}/{certs.ca_file.name}"
            )
            yield admin_url, f"http://{container.name}:{STUB_PORT}"
        finally:
            self.tls = None
            with contextlib.suppress(docker.errors.DockerException, requests.RequestException):  # the engine gone
                log_path.write_bytes(container.logs())

    # -- clients ------------------------------------------------------------
    def _exec(self, container, argv: list[str], env: dict[str, str], workdir: str, timeout: float) -> RunResult:
        """Run argv in the container; coreutils' timeout kills it at the limit."""
        start = time.monotonic()
        cmd = ["timeout", "--signal=KILL", f"{timeout:g}", *argv]
        api = self.client.api
        exec_id = api.exec_create(container.id, cmd, environment=env, workdir=workdir)["Id"]
        out, err = api.exec_start(exec_id, demux=True)
        code = api.exec_inspect(exec_id)["ExitCode"]
        seconds = time.monotonic() - start
        killed = code == 137 and seconds >= timeout - 0.5
        decode = lambda b: (b or b"").decode("utf-8", "replace")  # noqa: E731
        return RunResult(None if killed else code, decode(out), decode(err), seconds, killed)

    def build(self, language: Language, build_dir: Path, log: TextIO) -> Built:
        with engine_answers(f"building the {language.title} client"):
            return self._build(language, build_dir, log)

    def _build(self, language: Language, build_dir: Path, log: TextIO) -> Built:
        toolchain = docker_toolchain(language, self.profile)
        try:
            image = self.images.sdk(language.name)
        except ImageError as exc:
            raise BuildError("missing-toolchain", str(exc)) from None
        # The client folder as a reader has it (links resolved, no stale build outputs), read-only.
        volumes = {
            str(stage_client(language, build_dir)): {"bind": "/src", "mode": "ro"},
            str(HERE / "payloads"): {"bind": self.payloads, "mode": "ro"},
        }
        if self.certs:
            volumes[str(self.certs.ca_file.parent)] = {"bind": CA_DIR, "mode": "ro"}
        for cache in toolchain.caches:
            if self.cache_dir:  # a host folder, e.g. one that CI saves and restores
                volume = str(self.cache_dir / cache)
                (self.cache_dir / cache).mkdir(parents=True, exist_ok=True)
            else:
                volume = f"scoring-kit-cache-{cache}"
                with contextlib.suppress(docker.errors.APIError):
                    self.client.volumes.create(volume, labels={MANAGED: "true", KEEP: "cache"})
            volumes[volume] = {"bind": f"/cache/{cache}", "mode": "rw"}
        container = self._container(
            image,
            build_dir.name,  # the language's name in a matrix run; one per sample in a docs check
            command=["sleep", "infinity"],
            volumes=volumes,
            environment=toolchain.env,
            working_dir="/work",
            init=True,
        )
        variables = {"src": "/work/src", "out": "/work/out", "python": "python3"}
        if self.tls:
            variables["ca_file"] = self.tls.ca_file
        start = time.monotonic()
        # A writable copy of the read-only client folder, then the build steps in it.
        steps = [("/work", ["sh", "-c", "rm -rf /work/src /work/out && mkdir -p /work/out && cp -a /src /work/src"])]
        steps += [("/work/src", argv) for argv in build_commands(language, toolchain, variables)]
        prepare, tls = tls_steps(language, toolchain, variables)
        steps += [("/work/src", argv) for argv in prepare]
        for workdir, argv in steps:
            log.write(f"$ {' '.join(argv)}   [in {image}]\n")
            result = self._exec(container, argv, {}, workdir, BUILD_TIMEOUT)
            record_step(log, argv, result)
        return Built(
            language,
            toolchain,
            Path("/work/src"),
            program_commands(language, toolchain, variables),
            {},
            time.monotonic() - start,
            handle=container,
            image=image,
            image_bytes=self.client.images.get(image).attrs.get("Size", 0),
            standin=self.images.standin_of(language.name),
            **tls,
        )

    def run(
        self, built: Built, env: dict[str, str], timeout: float, program: str = DEFAULT_PROGRAM, trust_ca: bool = False
    ) -> RunResult:
        env = {**(built.tls_env if trust_ca else {}), **env}
        with engine_answers(f"running the {built.language.title} client"):
            return self._exec(built.handle, built.argv(program, trust_ca), env, str(built.src), timeout)

    def execute(self, built: Built, argv: list[str], timeout: float) -> RunResult:
        with engine_answers(f"running the {built.language.title} client"):
            return self._exec(built.handle, argv, {}, str(built.src), timeout)
