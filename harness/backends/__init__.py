"""Where stubs and clients run: the ``Backend`` protocol (base.py) and its two kinds.

* ``local`` (local.py): the stub as a child process, clients on this machine's toolchains;
* ``docker`` (docker.py): the stub and each client in containers.
"""

from __future__ import annotations

from .base import (
    Backend,
    BackendOptions,
    BackendUnavailable,
    BuildError,
    Built,
    RunResult,
    build_commands,
    program_commands,
    record_step,
    stage_client,
    tls_steps,
)

NAMES = ("docker", "local")

__all__ = [
    "NAMES",
    "Backend",
    "BackendOptions",
    "BackendUnavailable",
    "BuildError",
    "Built",
    "RunResult",
    "build_commands",
    "get_backend",
    "program_commands",
    "record_step",
    "stage_client",
    "tls_steps",
]


def get_backend(name: str, options: BackendOptions | None = None) -> Backend:
    """A backend by name; an option it does not support is refused (BackendUnavailable)."""
    options = options or BackendOptions()
    if name == "local":
        from .local import LocalBackend

        return LocalBackend(options)
    if name == "docker":
        from .docker import DockerBackend

        return DockerBackend(options)
    raise BackendUnavailable(f"unknown backend {name!r}; available: {', '.join(NAMES)}")
