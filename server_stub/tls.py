"""HTTPS listeners: their TLS context, and a count of the handshakes each one saw.

A handshake that fails (a client that does not trust the certificate) never
reaches HTTP, so it has no path and no service: it is counted per listener.
The context's ``sslobject_class`` (a documented hook of ``ssl.SSLContext``)
is a subclass of ``ssl.SSLObject`` that watches ``do_handshake``: the first
call is a new connection; success or an SSL error ends the handshake.  A
client that hangs up mid-handshake without a TLS alert is neither a
handshake nor a failure: it shows as ``incomplete`` (as does one still under
way).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass


@dataclass
class Listener:
    """One HTTPS port and what it saw since start (or the last reset)."""

    port: int
    pem: str
    connections: int = 0  # TCP connections that began a handshake
    handshakes: int = 0  # handshakes that completed
    failed: int = 0  # handshakes that ended in a TLS error (an alert from the client, or a bad ClientHello)
    last_error: str | None = None

    def reset(self) -> None:
        self.connections = self.handshakes = self.failed = 0
        self.last_error = None

    def to_json(self) -> dict:
        return {
            "port": self.port,
            "pem": self.pem,
            "connections": self.connections,
            "handshakes": self.handshakes,
            "failed": self.failed,
            "incomplete": self.connections - self.handshakes - self.failed,
            "lastError": self.last_error,
        }


class _CountingSSLObject(ssl.SSLObject):
    listener: Listener  # set on the subclass made for each listener
    _stub_counted = False

    def do_handshake(self) -> None:
        if not self._stub_counted:
            self._stub_counted = True
            self.listener.connections += 1
        try:
            super().do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise  # under way: more bytes to come
        except ssl.SSLError as exc:
            self.listener.failed += 1
            self.listener.last_error = exc.reason or str(exc)
            raise
        self.listener.handshakes += 1


def tls_context(pem: str, listener: Listener | None = None) -> ssl.SSLContext:
    """A server context for TLS 1.2 or newer, from one PEM file holding the key and the certificate chain;
    with ``listener``, its handshakes are counted there."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(pem)
    if listener is not None:
        context.sslobject_class = type("CountingSSLObject", (_CountingSSLObject,), {"listener": listener})
    return context
