"""The gateway's one-exchange client (server_stub/relay.py): each way an upstream frames, cuts or garbles its answer.

Every case has its twin: a whole answer is read as sent, a cut-off or
non-HTTP one is an error (the gateway's 502), never a short body passed on.
"""

from __future__ import annotations

import asyncio

import pytest
import requests

import server_stub
from server_stub import relay
from tests.stub.upstreams import raw_upstream

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


def exchange(response: bytes, method: str = "POST", body: bytes = b'{"data": [[1]]}') -> relay.Answer:
    with raw_upstream(response=response) as upstream:
        answer = asyncio.run(relay.exchange(method, upstream.url + "/score?a=1", [("X-Case", "Kept")], body, None))
        [request] = upstream.requests
    answer.request = request
    return answer


@pytest.mark.parametrize(
    "response, body",
    [
        (HEAD + b"Content-Length: 5\r\n\r\n[217]", b"[217]"),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\n[21\r\n2\r\n7]\r\n0\r\n\r\n", b"[217]"),  # decoded
        (HEAD + b"\r\n[217]", b"[217]"),  # neither length nor chunks: the connection's end frames it
        (b"HTTP/1.1 100 Continue\r\n\r\n" + HEAD + b"Content-Length: 5\r\n\r\n[217]", b"[217]"),  # interim skipped
        (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
    ],
    ids=["content-length", "chunked", "until-close", "after-100", "no-content"],
)
def test_a_whole_answer_is_read_as_sent(response, body):
    answer = exchange(response)
    assert answer.body == body and answer.status == (204 if b"204" in response else 200)
    assert ("Content-Type", "application/json") in answer.headers or answer.status == 204


@pytest.mark.parametrize(
    "response",
    [
        b"",  # closed at once
        HEAD + b"Content-Length: 10\r\n\r\n[217]",  # shorter than it said
        HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\n[217]\r\n",  # no last chunk
        HEAD,  # headers never ended
        b"SSH-2.0-OpenSSH_9.6\r\n",  # not HTTP
    ],
    ids=["nothing", "short-body", "no-last-chunk", "cut-headers", "not-http"],
)
def test_a_cut_or_garbled_answer_is_an_error(response):
    with pytest.raises(relay.Incomplete):
        exchange(response)


def test_the_request_is_sent_as_one_exchange_with_its_headers_and_body_as_given():
    answer = exchange(HEAD + b"Content-Length: 2\r\n\r\n[]")
    head, _, body = answer.request.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /score?a=1 HTTP/1.1" and lines[1].startswith(b"Host: 127.0.0.1:")
    assert b"X-Case: Kept" in lines and b"Connection: close" in lines and b"Content-Length: 15" in lines
    assert body == b'{"data": [[1]]}'


def test_a_head_answer_has_no_body_whatever_its_length_says():
    answer = exchange(HEAD + b"Content-Length: 5\r\n\r\n", method="HEAD", body=b"")
    assert answer.status == 200 and answer.body == b""


def test_an_upstream_host_that_does_not_resolve_is_a_502_naming_it():
    config = server_stub.StubConfig(upstream="http://no-such-host.invalid:5001", auth="none")
    with server_stub.running(config) as (_, url):
        resp = requests.post(url + "/score", json={"data": [[1]]}, timeout=30)
    assert resp.status_code == 502 and "does not resolve" in resp.json()["message"]
