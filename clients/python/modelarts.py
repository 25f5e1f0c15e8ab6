"""Call a ModelArts real-time service and print its inference result.

Environment variables:
  SCORING_URI      (required) the service's API URL, for example
                   https://<id>.apig.<region>.huaweicloudapis.com/v1/infers/<service-id>
  SCORING_TOKEN    (optional) an IAM token; sent as "X-Auth-Token: <token>"
  SCORING_TIMEOUT  (optional) seconds the call may take, retries
                   included, default 30

Sends POST with "Content-Type: application/json" and one iris record in
ModelArts' envelope, with a fresh random UUID for each call:
  {"meta": {"uuid": "<uuid>"}, "data": {"req_data": [{...}]}}
and prints the service's JSON answer as it is, on one line.

Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
are retried up to 3 times, after the Retry-After the service asks for (at
most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400, 401 or a TLS
certificate that fails verification, are not.

Exit status: 0 success, 1 the call failed, 2 bad configuration.
"""

import json
import os
import re
import sys
import time
import uuid
from urllib.parse import urlsplit

import requests

# One record with the four features of the iris classifier.
RECORD = {"sepal_length": 3, "sepal_width": 1, "petal_length": 2.2, "petal_width": 4}

ATTEMPTS = 4  # one call and up to three retries
RETRY_STATUS = {429, 502, 503, 504}  # the service is busy or restarting


def retry_delay(attempt, resp):
    """Seconds to wait before the next attempt: Retry-After (capped), else backoff."""
    try:
        return min(max(float(resp.headers["Retry-After"]), 0.0), 10.0)
    except (AttributeError, KeyError, ValueError):  # no response or header, a date
        return 0.5 * 2 ** (attempt - 1)


def fail(message, status=1):
    # One line, whatever the message: newlines and the whitespace around them
    # become a single space.
    message = re.sub(r"\s*[\r\n]\s*", " ", str(message).strip())
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)


def innermost(error):
    """The innermost cause of an exception, e.g. "Connection refused"."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__
    return error


def error_detail(resp):
    """The "error_msg" of a ModelArts error body, else the body text, on one line."""
    try:
        text = resp.json()["error_msg"] or resp.text
    except (ValueError, KeyError, TypeError):
        text = resp.text
    return " ".join(str(text).split())[:200]


def main():
    uri = os.environ.get("SCORING_URI")
    if not uri:
        fail("set SCORING_URI to the API URL of your ModelArts service", 2)
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fail(f"SCORING_URI must be an http:// or https:// URL, not {uri!r}", 2)
    token = os.environ.get("SCORING_TOKEN")
    timeout_text = os.environ.get("SCORING_TIMEOUT") or "30"
    try:
        timeout = float(timeout_text)
    except ValueError:
        timeout = 0.0
    if not 0 < timeout <= 86400:  # also rejects NaN
        fail(f"SCORING_TIMEOUT must be 0 < seconds <= 86400, not {timeout_text!r}", 2)

    # ModelArts takes the IAM token in its own header, not in Authorization.
    headers = {"X-Auth-Token": token} if token else {}
    body = {"meta": {"uuid": str(uuid.uuid4())}, "data": {"req_data": [RECORD]}}
    deadline = time.monotonic() + timeout
    for attempt in range(1, ATTEMPTS + 1):
        resp, error = None, None
        try:
            # json= serializes the body and sets "Content-Type: application/json";
            # timeout= bounds the connect and each wait for data: what is left.
            resp = requests.post(
                uri,
                json=body,
                headers=headers,
                timeout=max(deadline - time.monotonic(), 0.001),
                allow_redirects=False,
            )
        except requests.Timeout:
            fail(f"no response from {uri} within {timeout_text} s")
        except requests.exceptions.SSLError as e:  # a bad certificate is not transient
            fail(f"cannot reach {uri}: {innermost(e)}")
        except requests.ConnectionError as e:  # refused, reset: worth another try
            error = f"cannot reach {uri}: {innermost(e)}"
        except requests.RequestException as e:
            fail(f"cannot call {uri}: {e}")
        if resp is not None and resp.status_code not in RETRY_STATUS:
            break
        delay = retry_delay(attempt, resp)
        if attempt == ATTEMPTS or time.monotonic() + delay >= deadline:
            break
        time.sleep(delay)
    if error:
        fail(error)

    if not 200 <= resp.status_code < 300:
        detail = error_detail(resp)
        fail(f"HTTP {resp.status_code} {resp.reason}{': ' if detail else ''}{detail}")
    try:
        # {"meta": {"uuid": ...}, "data": {"resp_data": [{..., "predictresult": ...}]}}
        answer = resp.json()
    except ValueError as e:
        fail(f"unexpected response from {uri}: {e}")
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
