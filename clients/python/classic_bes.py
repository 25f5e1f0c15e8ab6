"""Run an Azure ML Studio (classic) Batch Execution job and print its result.

Environment variables:
  SCORING_URI      (required) the jobs URI, for example
                   https://ussouthcentral.services.azureml.net/
                   workspaces/<ws>/services/<id>/jobs?api-version=2.0
  SCORING_KEY      (optional) the service's API key; sent as
                   "Authorization: Bearer <key>"
  SCORING_POLL_INTERVAL (optional) seconds between status checks, default 1
  SCORING_TIMEOUT  (optional) seconds the whole run may take, retries and
                   polling included, default 300

Sends:
  1. POST <jobs URI> with "Content-Type: application/json" and two rows of the
     diabetes example as the input table "input1"; the answer is the job id,
     a JSON string.
  2. POST <jobs URI path>/<id>/start?api-version=2.0 with no body.
  3. GET <jobs URI path>/<id>?api-version=2.0 every SCORING_POLL_INTERVAL
     seconds until the job's StatusCode is Finished, Failed or Cancelled.
Prints the finished job's status document (with its Results) as it arrived,
without the whitespace between its tokens. A job that ends Failed or Cancelled
is reported with its Details.

Each request is tried up to 4 times, within SCORING_TIMEOUT: again after HTTP
429, 502, 503, 504 or a refused, reset or closed connection, waiting the
Retry-After the service asks for (seconds or an HTTP date, at most 10 s) or
else 0.5, 1, then 2 s. Other errors, such as 400, 401, a timeout or a TLS
certificate that fails verification, are not. The submit creates a job, so it
is sent again only where the service cannot have acted on it (429, 503, a
refused connection); after a 502, 504, reset or timeout it is reported, as
the job may exist. A 409 (already started) to a retried start means that the
first one got through.

Exit status: 0 the job finished, 1 a call or the job failed, 2 bad configuration.
"""

import email.utils
import os
import re
import sys
import time
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from urllib3.exceptions import NewConnectionError

# Two rows of ten features each, so the job scores two rows.
# fmt: off
INPUTS = {
    "Inputs": {"input1": {
        "ColumnNames": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
        "Values": [
            [0.0199132141783263, 0.0506801187398187, 0.104808689473925,
             0.0700725447072635, -0.0359677812752396, -0.0266789028311707,
             -0.0249926566315915, -0.00259226199818282, 0.00371173823343597,
             0.0403433716478807],
            [-0.0127796318808497, -0.044641636506989, 0.0606183944448076,
             0.0528581912385822, 0.0479653430750293, 0.0293746718291555,
             -0.0176293810234174, 0.0343088588777263, 0.0702112981933102,
             0.00720651632920303],
        ],
    }},
    "GlobalParameters": {},
}
# fmt: on

ATTEMPTS = 4  # one call and up to three retries
RETRY_STATUS = {429, 502, 503, 504}  # the service is busy or restarting
RUNNING = {"NotStarted", "Running"}  # the job's StatusCode while it is not over
ENDED = {"Failed", "Cancelled"}  # the job ended without results
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


def refused(error):
    """Whether a connection failed before sending anything (refused, unknown host)."""
    while error:
        if isinstance(error, NewConnectionError):
            return True
        error = error.__cause__ or error.__context__
    return False


def one_line(text):
    return " ".join(str(text).split())


def http_error(resp):
    """An error answer on one line, with the "error.message" of a classic error body."""
    try:
        detail = resp.json()["error"]["message"] or resp.text
    except (ValueError, KeyError, TypeError):
        detail = resp.text
    detail = one_line(detail)[:200]
    return f"HTTP {resp.status_code} {resp.reason}{': ' if detail else ''}{detail}"


def seconds_setting(name, default):
    """The number of seconds in variable `name`, as (value, text); exit 2 if invalid."""
    text = os.environ.get(name) or default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86400:  # also rejects NaN
        fail(f"{name} must be 0 < seconds <= 86400, not {text!r}", 2)
    return value, text


def call(method, url, deadline, timeout_text, creates=False, **kwargs):
    """Send one request, retrying transient failures while time is left.

    creates=True: the request creates a job; it is not sent again when it may
    have reached the service. Returns the response and the attempt it answered;
    exits with an error line when there was none.
    """
    maybe = " (the job may have been created)" if creates else ""
    for attempt in range(1, ATTEMPTS + 1):
        resp, error, sent = None, None, True
        try:
            # timeout= bounds the connect and each wait for data: what is left.
            resp = requests.request(
                method,
                url,
                **kwargs,
                timeout=max(deadline - time.monotonic(), 0.001),
                allow_redirects=False,
            )
        except requests.Timeout:
            fail(f"no response from {url} within {timeout_text} s{maybe}")
        except requests.exceptions.SSLError as e:  # a bad certificate is not transient
            fail(f"cannot reach {url}: {innermost(e)}")
        except requests.ConnectionError as e:  # refused, reset, closed: try again
            error, sent = f"cannot reach {url}: {innermost(e)}", not refused(e)
        except requests.RequestException as e:
            fail(f"cannot call {url}: {e}")
        if resp is not None and resp.status_code not in RETRY_STATUS:
            break
        # A reset, a 502 or a 504 may come after the service acted on the request.
        if creates and (resp.status_code in (502, 504) if resp is not None else sent):
            fail(f"{error or http_error(resp)}{maybe}")
        delay = retry_delay(attempt, resp)
        if attempt == ATTEMPTS or time.monotonic() + delay >= deadline:
            break
        time.sleep(delay)
    if error:
        fail(error)
    return resp, attempt


def check(resp):
    """Exit with an error line unless the answer is a success (2xx)."""
    if not 200 <= resp.status_code < 300:
        fail(http_error(resp))


def main():
    uri = os.environ.get("SCORING_URI")
    if not uri:
        fail("set SCORING_URI to the jobs URI of your web service", 2)
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fail(f"SCORING_URI must be an http:// or https:// URL, not {uri!r}", 2)
    key = header_setting("SCORING_KEY")
    timeout, timeout_text = seconds_setting("SCORING_TIMEOUT", "300")
    interval, _ = seconds_setting("SCORING_POLL_INTERVAL", "1")

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    deadline = time.monotonic() + timeout

    # 1. Submit: json= serializes the body and sets "Content-Type: application/json".
    resp, _ = call(
        "POST", uri, deadline, timeout_text, creates=True, json=INPUTS, headers=headers
    )
    check(resp)
    try:
        job = resp.json()
        if not isinstance(job, str) or not job:
            raise ValueError("expected the job id, a JSON string")
    except ValueError as e:
        fail(f"unexpected response from {uri}: {e}")

    # The job's URLs: its id (escaped) under the jobs path, with the same query.
    job_path = f"{parts.path.rstrip('/')}/{quote(job, safe='')}"
    start_url = urlunsplit(parts._replace(path=f"{job_path}/start", fragment=""))
    status_url = urlunsplit(parts._replace(path=job_path, fragment=""))

    # 2. Start: an empty POST; a 409 to a retry means the first start got through.
    resp, attempt = call("POST", start_url, deadline, timeout_text, headers=headers)
    if not (resp.status_code == 409 and attempt > 1):
        check(resp)

    # 3. Poll until the job is over, or until the deadline.
    while True:
        resp, _ = call("GET", status_url, deadline, timeout_text, headers=headers)
        check(resp)
        try:
            status = resp.json()
            code = status.get("StatusCode") if isinstance(status, dict) else None
            if not isinstance(code, str):
                raise ValueError("expected a job status with a StatusCode")
        except ValueError as e:
            fail(f"unexpected response from {status_url}: {e}")
        if code == "Finished":
            break
        if code in ENDED:
            fail(f"job {job} {code}: {one_line(status.get('Details') or 'no details')}")
        if code not in RUNNING:
            fail(f"unexpected response from {status_url}: StatusCode {code!r}")
        if time.monotonic() + interval >= deadline:
            fail(f"job {job} did not finish within {timeout_text} s")
        time.sleep(interval)
    # {"StatusCode": "Finished", "Results": {"output1": {...}}, "Details": null},
    # printed as received (no number written anew), its whitespace removed.
    sys.stdout.buffer.write(JSON_SPACE.sub(lambda m: m[1] or b"", resp.content) + b"\n")


if __name__ == "__main__":
    main()
