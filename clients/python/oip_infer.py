"""Call a model on an Open Inference Protocol v2 server and print its predictions.

KServe, NVIDIA Triton and Seldon MLServer serve this protocol.

Environment variables:
  SCORING_URI      (required) the model's infer URL, for example
                   http://localhost:8080/v2/models/diabetes/infer
  SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer <key>"
  SCORING_TIMEOUT  (optional) seconds the call may take, retries
                   included, default 30

Sends POST with "Content-Type: application/json" and the two rows as one
FP64 tensor of shape [2, 10], its data flat (row-major):
  {"inputs": [{"name": "input-0", "shape": [2, 10], "datatype": "FP64", "data": [...]}]}
and prints the answer, {"outputs": [{..., "data": [...]}]}, as it arrived,
without the whitespace between its tokens (the first output's data, the
predictions, checked to be numbers).

The call is tried up to 4 times, within SCORING_TIMEOUT: again after HTTP 429,
502, 503, 504 or a refused, reset or closed connection, waiting the
Retry-After the service asks for (seconds or an HTTP date, at most 10 s) or
else 0.5, 1, then 2 s. Other errors, such as 400, 401, a timeout or a TLS
certificate that fails verification, are not.

Exit status: 0 success, 1 the call failed, 2 bad configuration.
"""

import email.utils
import math
import os
import re
import sys
import time
from urllib.parse import urlsplit

import requests

# Two rows of ten features each, as one tensor: shape [rows, features], data flat.
# fmt: off
ROWS = [
    [0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635,
     -0.0359677812752396, -0.0266789028311707, -0.0249926566315915,
     -0.00259226199818282, 0.00371173823343597, 0.0403433716478807],
    [-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822,
     0.0479653430750293, 0.0293746718291555, -0.0176293810234174,
     0.0343088588777263, 0.0702112981933102, 0.00720651632920303],
]
# fmt: on
BODY = {
    "inputs": [
        {
            "name": "input-0",
            "shape": [len(ROWS), len(ROWS[0])],
            "datatype": "FP64",
            "data": [value for row in ROWS for value in row],
        }
    ]
}

ATTEMPTS = 4  # one call and up to three retries
RETRY_STATUS = {429, 502, 503, 504}  # the service is busy or restarting
# A JSON string (kept whole, escapes and all) or a run of the whitespace between tokens.
JSON_SPACE = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")|[ \t\n\r]+')


def fail(message, status=1):
    # One line, whatever the message: newlines and the whitespace around them
    # become a single space.
    message = re.sub(r"\s*[\r\n]\s*", " ", str(message).strip())
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)


def header_setting(name):
    """Variable `name`, None if unset or empty; exit 2 if not a valid header value."""
    value = os.environ.get(name) or None
    if value and not re.fullmatch(r"[\x21-\x7e]+", value):
        fail(f"{name} must be visible ASCII (no spaces or line breaks)", 2)
    return value


def retry_delay(attempt, resp):
    """Seconds to wait before the next try: Retry-After (0 to 10 s), else backoff."""
    value = resp.headers.get("Retry-After", "") if resp is not None else ""
    try:
        if re.fullmatch("[0-9]+", value):  # seconds
            seconds = int(value)
        else:  # an HTTP date, e.g. "Wed, 21 Oct 2026 07:28:00 GMT"
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        return min(max(seconds, 0), 10)
    except ValueError:  # none, or neither seconds nor a date ("nan", "-3", "1.5")
        return 0.5 * 2 ** (attempt - 1)


def innermost(error):
    """The innermost cause of an exception, e.g. "Connection refused"."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__
    return error


def error_detail(resp):
    """The "error" of an inference error body, else the body text, on one line."""
    try:
        text = resp.json()["error"] or resp.text
    except (ValueError, KeyError, TypeError):
        text = resp.text
    return " ".join(str(text).split())[:200]


def predictions_of(answer):
    """The first output's data: {"outputs": [{"name", ..., "data": [...]}]}."""
    try:
        data = answer["outputs"][0]["data"]
    except (KeyError, IndexError, TypeError):
        raise ValueError('expected {"outputs": [{"data": [...]}]}') from None
    if not isinstance(data, list) or not all(
        isinstance(p, float) and math.isfinite(p) for p in data
    ):
        raise ValueError("expected the output's data to be an array of numbers")
    return data


def post(uri, deadline, timeout_text, **kwargs):
    """POST, retrying transient failures while time is left; the 2xx response."""
    for attempt in range(1, ATTEMPTS + 1):
        resp, error = None, None
        try:
            # timeout= bounds the connect and each wait for data: what is left.
            resp = requests.post(
                uri,
                **kwargs,
                timeout=max(deadline - time.monotonic(), 0.001),
                allow_redirects=False,
            )
        except requests.Timeout:
            fail(f"no response from {uri} within {timeout_text} s")
        except requests.exceptions.SSLError as e:  # a bad certificate is not transient
            fail(f"cannot reach {uri}: {innermost(e)}")
        except requests.ConnectionError as e:  # refused, reset, closed: try again
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
    return resp


def main():
    uri = os.environ.get("SCORING_URI")
    if not uri:
        fail("set SCORING_URI to the infer URL: .../v2/models/<name>/infer", 2)
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fail(f"SCORING_URI must be an http:// or https:// URL, not {uri!r}", 2)
    key = header_setting("SCORING_KEY")
    timeout_text = os.environ.get("SCORING_TIMEOUT") or "30"
    try:
        timeout = float(timeout_text)
    except ValueError:
        timeout = 0.0
    if not 0 < timeout <= 86400:  # also rejects NaN
        fail(f"SCORING_TIMEOUT must be 0 < seconds <= 86400, not {timeout_text!r}", 2)

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    # json= serializes the body and sets "Content-Type: application/json".
    deadline = time.monotonic() + timeout
    resp = post(uri, deadline, timeout_text, json=BODY, headers=headers)
    try:
        # parse_int=float reads every number as a float (a double).
        predictions_of(resp.json(parse_int=float))
    except ValueError as e:
        fail(f"unexpected response from {uri}: {e}")
    # Printed as received (no number written anew), its whitespace removed.
    sys.stdout.buffer.write(JSON_SPACE.sub(lambda m: m[1] or b"", resp.content) + b"\n")


if __name__ == "__main__":
    main()
