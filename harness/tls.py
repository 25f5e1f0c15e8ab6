"""Certificates for the TLS scenarios, made fresh for each run with trustme.

A run gets its own CA, which the harness hands to each client through its
language's standard mechanism (``[tls]`` in ``languages/<name>.toml``), and a
server certificate from it for the names the stub answers to.  A second,
unrelated CA signs a second server certificate that no client is told
about: a client that accepts it does not verify certificates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class RunCertificates:
    ca_file: Path  # the run's CA (PEM), alone in its folder so that folder can be shared with clients
    server_pem: Path  # key and chain, signed by the run's CA
    unknown_pem: Path  # key and chain, signed by a CA nobody trusts

    @classmethod
    def create(cls, directory: Path, hostnames: list[str]) -> RunCertificates:
        (directory / "ca").mkdir(parents=True, exist_ok=True)
        ca, stranger = trustme.CA(organization_name="scoring-kit run CA"), trustme.CA(organization_name="unknown CA")
        certs = cls(directory / "ca" / "ca.pem", directory / "server.pem", directory / "unknown.pem")
        ca.cert_pem.write_to_path(str(certs.ca_file))
        ca.issue_cert(*hostnames).private_key_and_cert_chain_pem.write_to_path(str(certs.server_pem))
        stranger.issue_cert(*hostnames).private_key_and_cert_chain_pem.write_to_path(str(certs.unknown_pem))
        for path in (certs.server_pem, certs.unknown_pem):
            path.chmod(0o644)  # the stub container's user reads them
        return certs


@dataclass(frozen=True)
class TlsEndpoints:
    """Where a running stub serves HTTPS, as clients see it, and the CA file as clients see it."""

    url: str  # certificate from the run's CA
    unknown_url: str  # certificate from a CA no client trusts
    ca_file: str
