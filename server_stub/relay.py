"""One HTTP/1.1 exchange with an upstream, on a connection of its own: the gateway's client.

The gateway asks each request on a new connection and closes it after the
answer, as Azure ML's inference server closes each one itself.  For that one
shape a general client such as aiohttp's costs about 0.3 ms more CPU per request
(its request and response objects, connector and timers), which on a small
machine is taken from the model server behind the gateway.  Here the request is
written as one buffer and the answer parsed by httptools (llhttp, the parser
of Node.js and of aiohttp itself), which decodes chunked bodies and tells a
whole answer from a cut one.  Status, reason, headers (names as sent, in order,
repeated ones kept) and body bytes come back as received.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
from urllib.parse import urlsplit

import httptools


class Incomplete(ConnectionError):
    """The upstream closed the connection before a whole answer."""


class Answer:
    """What the upstream answered, filled in by httptools' callbacks."""

    def __init__(self, method: str) -> None:
        self.method, self.status, self.reason = method, 0, ""
        self.headers: list[tuple[str, str]] = []
        self.body = bytearray()
        self.head_done = self.complete = False
        self.parser = httptools.HttpResponseParser(self)

    def on_status(self, reason: bytes) -> None:
        self.reason, self.headers = reason.decode("latin-1"), []

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.head_done = self.status >= 200
        self.complete = self.head_done and self.method == "HEAD"  # no body follows, whatever its length says

    def on_body(self, chunk: bytes) -> None:
        self.body += chunk

    def on_message_complete(self) -> None:
        self.complete = self.complete or self.head_done  # a 1xx interim answer is not the answer

    def at_end(self) -> None:
        """The upstream closed the connection: whole only if the answer was framed by that."""
        names = {name.lower() for name, _ in self.headers}
        if not self.complete and not (self.head_done and not names & {"content-length", "transfer-encoding"}):
            raise Incomplete("cut off" if self.head_done else "no answer")
        self.complete = True


@functools.cache
def system_context() -> ssl.SSLContext:
    """The system CAs, loaded once and only when an https upstream is first asked (about 80 ms)."""
    return ssl.create_default_context()


DNS_SECONDS = 10.0  # how long a host name's address is kept (a container's name, a live service's)
_addresses: dict[tuple[str, int], tuple[float, tuple]] = {}


async def _resolve(host: str, port: int) -> tuple:
    """The host's first address (an IP literal is taken as it is), kept for DNS_SECONDS."""
    loop = asyncio.get_running_loop()
    kept = _addresses.get((host, port))
    if kept and kept[0] > loop.time():
        return kept[1]
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)  # socket.gaierror: no such host
    address = infos[0][4][:2]
    _addresses[(host, port)] = (loop.time() + DNS_SECONDS, address)
    return address


def _head(method: str, parts, headers: list[tuple[str, str]], length: int) -> bytes:
    host = parts.netloc.rsplit("@", 1)[-1]  # the URL's own authority, port and IPv6 brackets as written
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers)]
    lines += [f"Content-Length: {length}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def exchange(
    method: str, url: str, headers: list[tuple[str, str]], body: bytes, context: ssl.SSLContext | None
) -> Answer:
    """Send one request and read its answer (``context``: the upstream's CAs, None for the system's).

    Raises OSError (ssl.SSLCertVerificationError among them) when no connection can be made, Incomplete or
    another ConnectionError when the answer is cut off."""
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    address = await _resolve(parts.hostname or "", port)
    trust = (context or system_context()) if tls else None
    reader, writer = await asyncio.open_connection(
        *address, ssl=trust, server_hostname=(parts.hostname if tls else None)
    )
    answer = Answer(method)
    try:
        writer.write(_head(method, parts, headers, len(body)) + body)
        while not answer.complete:
            data = await reader.read(65536)
            if not data:
                answer.at_end()
                break
            answer.parser.feed_data(data)
    except httptools.HttpParserError as exc:
        raise Incomplete(f"not HTTP ({exc})") from None
    finally:
        writer.close()
    return answer
