"""Starting the stub: from the command line, or in a background thread."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import os
import signal
import socket
import ssl
import sys
import threading
from collections.abc import Iterator, Sequence

from aiohttp import web

from .app import Runner, make_app
from .auth import MODES
from .state import ADMIN, Stub, StubConfig, upstream_url
from .tls import Listener, tls_context

__all__ = ["main", "running", "start", "tls_context"]


async def start(
    stub: Stub, host: str, port: int, access_log: bool = False, tls: Sequence[tuple[int, str]] = ()
) -> tuple[web.AppRunner, list[str]]:
    """Start serving plain HTTP on ``port`` and HTTPS on each ``(port, pem)`` of ``tls``, with the same
    routes and state; return the runner and the base URLs (with the real ports), HTTP first.  Each HTTPS
    listener counts its handshakes in ``stub.tls_listeners``."""
    runner = Runner(make_app(stub), access_log=web.access_logger if access_log else None)
    await runner.setup()
    shown = f"[{host}]" if ":" in host else host
    listeners = [Listener(p, pem) for p, pem in tls]
    sites = [("http", port, None, None), *(("https", t.port, tls_context(t.pem, t), t) for t in listeners)]
    urls = []
    for scheme, listen_port, context, listener in sites:
        before = len(runner.addresses)
        await web.TCPSite(runner, host, listen_port, ssl_context=context).start()
        real_port = runner.addresses[before][1]
        if listener is not None:
            listener.port = real_port
            stub.tls_listeners.append(listener)
        urls.append(f"{scheme}://{shown}:{real_port}")
    _allow_more_listeners(stub, runner, host)
    return runner, urls


def _allow_more_listeners(stub: Stub, runner: web.AppRunner, host: str) -> None:
    """Let the admin API open (and close) more HTTPS listeners on the same host, each on a free port."""
    added: dict[int, web.SockSite] = {}

    async def open_tls(pem: str) -> Listener:
        listener = Listener(0, pem)
        context = tls_context(pem, listener)
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        listener.port = sock.getsockname()[1]
        site = web.SockSite(runner, sock, ssl_context=context)
        await site.start()
        added[listener.port] = site
        stub.tls_listeners.append(listener)
        return listener

    async def close_tls(port: int) -> Listener | None:
        site = added.pop(port, None)
        if site is None:
            return None
        await site.stop()
        listener = next(t for t in stub.tls_listeners if t.port == port)
        stub.tls_listeners.remove(listener)
        return listener

    stub.open_tls, stub.close_tls = open_tls, close_tls


@contextlib.contextmanager
def running(
    config: StubConfig | None = None, host: str = "127.0.0.1", port: int = 0, tls: Sequence[tuple[int, str]] = ()
) -> Iterator[tuple[Stub, str]]:
    """Run a stub in a background thread: ``with running() as (stub, url): ...``; HTTPS listeners
    (``tls``: ``(port, pem)`` pairs) are in ``stub.tls_listeners``."""
    stub = Stub(config)
    loop = new_loop()
    started: dict = {}
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            started["runner"], urls = loop.run_until_complete(start(stub, host, port, tls=tls))
            started["url"] = urls[0]
        except BaseException as exc:  # report start-up failures to the caller's thread
            started["error"] = exc
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(started["runner"].cleanup())

    thread = threading.Thread(target=serve, name="server-stub", daemon=True)
    thread.start()
    ready.wait()
    if "error" in started:
        raise started["error"]
    try:
        yield stub, started["url"]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


LOOPS = ("uvloop", "asyncio")  # new_loop's kinds


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def _auth_mode(value: str) -> str:
    if value not in MODES:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(MODES)}, got {value!r}")
    return value


def _at_least_1(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return number


def _upstream(value: str) -> str:
    if not upstream_url(value):
        raise argparse.ArgumentTypeError(f"expected an http(s)://HOST[:PORT] URL, got {value!r}")
    return value.rstrip("/")


def _event_loop(value: str) -> str:
    if value not in LOOPS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(LOOPS)}, got {value!r}")
    return value


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value!r}")
    return number


# flag, environment variable, type, default (None: unset), help
_FLAGS = [
    ("--host", "STUB_HOST", str, "127.0.0.1", "address to bind"),
    ("--port", "STUB_PORT", int, "5001", "port, 0 for any free one"),
    ("--auth", "STUB_AUTH", _auth_mode, "none", f"authentication: {', '.join(MODES)}"),
    ("--primary-key", "STUB_PRIMARY_KEY", str, None, "primary key for --auth key (default random)"),
    ("--secondary-key", "STUB_SECONDARY_KEY", str, None, "secondary key (default random)"),
    ("--token-secret", "STUB_TOKEN_SECRET", str, None, "HMAC secret signing tokens (default random)"),
    ("--token-lifetime", "STUB_TOKEN_LIFETIME", float, "3600", "token lifetime in seconds"),
    ("--max-body-bytes", "STUB_MAX_BODY_BYTES", _at_least_1, str(1 << 20), "larger bodies get 413"),
    ("--journal-limit", "STUB_JOURNAL_LIMIT", _at_least_1, "10000", "requests kept; older ones dropped, counted"),
    ("--model", "STUB_MODEL", str, None, "model JSON file (default the diabetes model)"),
    ("--upstream", "STUB_UPSTREAM", _upstream, None, "gateway mode: forward Azure ML routes to this real server"),
    ("--upstream-timeout", "STUB_UPSTREAM_TIMEOUT", _seconds, "30", "gateway: seconds before a 504"),
    ("--event-loop", "STUB_EVENT_LOOP", _event_loop, "uvloop", "uvloop (asyncio's own if it is missing) or asyncio"),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m server_stub",
        description="A recording stand-in for an Azure ML scoring web service (diabetes regression model).",
        epilog="Every flag can also be set with the environment variable in brackets.",
    )
    for flag, variable, kind, default, text in _FLAGS:
        shown = f" (default {default})" if default is not None else ""
        p.add_argument(flag, type=kind, default=_env(variable, default), help=f"{text} [{variable}]{shown}")
    p.add_argument(
        "--tls",
        metavar="PORT=PEM",
        action="append",
        type=_tls_listener,
        help="also serve HTTPS (TLS 1.2+) on PORT with the key and certificate chain in the PEM file; "
        "repeat for more [STUB_TLS, space-separated; --tls replaces it]",
    )
    p.add_argument("--access-log", action="store_true", help="log every request to stderr")
    args = p.parse_args(argv)
    if args.tls is None:
        try:
            args.tls = [_tls_listener(v) for v in (_env("STUB_TLS") or "").split()]
        except argparse.ArgumentTypeError as exc:
            p.error(f"STUB_TLS: {exc}")
    return args


def _tls_listener(value: str) -> tuple[int, str]:
    port, sep, pem = value.partition("=")
    if not sep or not port.isdigit() or not pem:
        raise argparse.ArgumentTypeError(f"expected PORT=PEM-FILE, got {value!r}")
    if not os.path.isfile(pem):
        raise argparse.ArgumentTypeError(f"{pem}: no such file")
    return int(port), pem


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = StubConfig(
        auth=args.auth,
        primary_key=args.primary_key,
        secondary_key=args.secondary_key,
        token_secret=args.token_secret,
        token_lifetime=args.token_lifetime,
        max_body_bytes=args.max_body_bytes,
        journal_limit=args.journal_limit,
        model_path=args.model,
        upstream=args.upstream,
        upstream_timeout=args.upstream_timeout,
    )
    try:
        stub = Stub(config)
    except (OSError, ValueError, KeyError) as exc:
        print(f"server_stub: error: {exc}", file=sys.stderr)
        return 2
    with asyncio.Runner(loop_factory=lambda: new_loop(args.event_loop)) as runner:
        return runner.run(_serve(stub, args))


def new_loop(kind: str = "uvloop") -> asyncio.AbstractEventLoop:
    """uvloop's event loop (libuv) where it is installed, else asyncio's own: the same behaviour, less CPU per
    request and connection, which the gateway adds to every call to a real server (bench/stub_throughput.py)."""
    if kind == "uvloop":
        with contextlib.suppress(ImportError):
            import uvloop

            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


async def _serve(stub: Stub, args: argparse.Namespace) -> int:
    try:
        runner, urls = await start(stub, args.host, args.port, args.access_log, args.tls)
        url = urls[0]
    except ssl.SSLError as exc:
        print(f"server_stub: error: cannot use the TLS certificate: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"server_stub: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    m = stub.model
    say = lambda line: print(f"server_stub: {line}", flush=True)  # noqa: E731
    say(f"model {m.name}: {m.n_features} features ({', '.join(m.feature_names)})")
    auth = stub.default_auth
    if auth.mode == "key":
        say(f"auth key; primary key: {auth.primary_key}  secondary key: {auth.secondary_key}")
    elif auth.mode == "token":
        say(f"auth token; token for service 'default': {stub.tokens.issue('default')['accessToken']}")
        say(f"  more tokens: POST {url}{ADMIN}/services/<name>/token")
    else:
        say("auth none (no Authorization header needed)")
    if stub.config.upstream:
        say(f"gateway: Azure ML routes go to {stub.config.upstream} (timeout {stub.config.upstream_timeout:g} s)")
    say(f"score with: POST {url}/score  or  POST {url}/api/v1/service/<name>/score")
    say(f"journal and admin API: {url}{ADMIN}/requests  (see README)")
    if not _is_loopback(args.host):
        say(
            f"WARNING: the admin API is open to anyone who can reach {args.host}:{args.port}; "
            "bind a private network only"
        )
    for tls_url, (_, pem) in zip(urls[1:], args.tls):
        say(f"listening on {tls_url} with {pem}")
    say(f"listening on {url}")
    await stop.wait()
    say("stopping")
    await runner.cleanup()
    return 0
