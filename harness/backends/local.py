"""The local backend: the stub as a child process, clients on the toolchains on PATH."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .. import realserver
from ..catalog import DEFAULT_PROGRAM, HERE, ROOT, Language, Toolchain
from ..procs import kill_all, run_command
from ..stubctl import StubControl, StubUnavailable
from ..tls import RunCertificates, TlsEndpoints
from .base import (
    BackendOptions,
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

BUILD_TIMEOUT = 900.0
# What every local run inherits from the harness's environment; each language adds its own (pass_env).
# Proxies are left out on purpose (the stub is local), and so is anything SCORING_*.
BASICS = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SYSTEMROOT", "SSL_CERT_FILE", "SSL_CERT_DIR")


def client_env(language: Language, extra: dict[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in (*BASICS, *language.pass_env) if k in os.environ}
    env.update(extra)
    return env


class LocalBackend:
    name = "local"
    notes: list[str] = []  # (nothing to say: this machine's own toolchains)
    payloads = str(HERE / "payloads")  # files a scenario hands to clients ({payloads})
    python = sys.executable

    def __init__(self, options: BackendOptions | None = None) -> None:
        check_options(self.name, options or BackendOptions(), supported=set())
        self.tls: TlsEndpoints | None = None

    # --server real: the real server on 127.0.0.1, from its cached virtual environment.
    real_server = staticmethod(realserver.running)

    def close(self) -> None:
        kill_all()

    # -- stub -------------------------------------------------------------
    @contextlib.contextmanager
    def stub(self, log_path: Path) -> Iterator[tuple[str, str]]:
        log = log_path.open("w", encoding="utf-8")
        certs = RunCertificates.create(log_path.parent.parent / "tls", ["localhost", "127.0.0.1"])
        tls_args = ["--tls", f"0={certs.server_pem}", "--tls", f"0={certs.unknown_pem}"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "server_stub", "--host", "127.0.0.1", "--port", "0", *tls_args],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            url = self._wait_for_url(proc, log_path)
            StubControl(url).wait_ready(alive=lambda: proc.poll() is None)
            # By name, not 127.0.0.1: Mono's TLS checks no IP address against a certificate.
            https = dict(re.findall(r"listening on (https://\S+) with (\S+)", log_path.read_text(encoding="utf-8")))
            by_pem = {pem: u.replace("127.0.0.1", "localhost") for u, pem in https.items()}
            self.tls = TlsEndpoints(by_pem[str(certs.server_pem)], by_pem[str(certs.unknown_pem)], str(certs.ca_file))
            yield url, url
        finally:
            self.tls = None
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()

    @staticmethod
    def _wait_for_url(proc: subprocess.Popen, log_path: Path, seconds: float = 30.0) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = log_path.read_text(encoding="utf-8", errors="replace")
            m = re.search(r"listening on (http://\S+)", text)
            if m:
                return m.group(1)
            if proc.poll() is not None:
                tail = text.strip().splitlines()[-1:] or ["(no output)"]
                raise StubUnavailable(f"the stub exited with code {proc.returncode}: {tail[0]} (log: {log_path})")
            time.sleep(0.05)
        raise StubUnavailable(f"the stub did not start within {seconds:g} s (log: {log_path})")

    # -- clients ----------------------------------------------------------
    @staticmethod
    def toolchain(language: Language) -> Toolchain:
        """The first usable local toolchain, or BuildError naming what to install."""
        for toolchain in language.local:
            if not toolchain.missing():
                return toolchain
        if not language.local:
            raise BuildError("missing-toolchain", f"{language.name}: no local toolchain is defined")
        options = "; or ".join(
            f"{t.name} (missing {', '.join(t.missing())}; install: {t.install})" for t in language.local
        )
        raise BuildError("missing-toolchain", f"{language.title} toolchain not found: needs {options}")

    def build(self, language: Language, build_dir: Path, log: TextIO) -> Built:
        toolchain = self.toolchain(language)
        src, out = stage_client(language, build_dir), build_dir / "out"
        out.mkdir(parents=True)
        variables = {"src": str(src), "out": str(out), "python": sys.executable}
        if self.tls:
            variables["ca_file"] = self.tls.ca_file
        env = {**os.environ, **toolchain.env}
        start = time.monotonic()
        prepare, tls = tls_steps(language, toolchain, variables)
        for argv in build_commands(language, toolchain, variables) + prepare:
            log.write(f"$ {' '.join(argv)}\n")
            result = run_command(argv, cwd=src, env=env, timeout=BUILD_TIMEOUT)
            record_step(log, argv, result)
        return Built(
            language,
            toolchain,
            src,
            program_commands(language, toolchain, variables),
            dict(toolchain.env),
            time.monotonic() - start,
            **tls,
        )

    def run(
        self, built: Built, env: dict[str, str], timeout: float, program: str = DEFAULT_PROGRAM, trust_ca: bool = False
    ) -> RunResult:
        env = client_env(built.language, {**built.env, **(built.tls_env if trust_ca else {}), **env})
        return run_command(built.argv(program, trust_ca), cwd=built.src, env=env, timeout=timeout)

    def execute(self, built: Built, argv: list[str], timeout: float) -> RunResult:
        return run_command(argv, cwd=built.src, env=client_env(built.language, built.env), timeout=timeout)
