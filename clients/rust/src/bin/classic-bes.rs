//! Runs a job on a model deployed as an Azure Machine Learning Studio (classic)
//! Batch Execution service and prints the job's final status, results included.
//!
//! Environment variables:
//!
//! * `SCORING_URI` (required): the jobs URI from the service's API help page, for
//!   example `https://ussouthcentral.services.azureml.net/workspaces/<ws>/services/<id>/jobs?api-version=2.0`
//! * `SCORING_KEY` (optional): the service's API key, sent as `Authorization: Bearer <key>`
//! * `SCORING_TIMEOUT` (optional): seconds the whole job may take, submitting,
//!   polling and retries included; default 300
//! * `SCORING_POLL_INTERVAL` (optional): seconds between status checks, default 1
//!
//! It talks to the service in three steps, keeping SCORING_URI's query
//! (`?api-version=2.0`) on every URL:
//!
//! 1. submit: `POST <jobs URI>` with `Content-Type: application/json` and two
//!    rows of the diabetes example as an input table,
//!    `{"Inputs": {"input1": {"ColumnNames": [...], "Values": [...]}}, "GlobalParameters": {}}`;
//!    the answer is the job id, a JSON string
//! 2. start: `POST <jobs URI path>/<id>/start`, without a body
//! 3. poll: `GET <jobs URI path>/<id>` until its `StatusCode` is `Finished`,
//!    `Failed` or `Cancelled` (it passes `NotStarted` and `Running`)
//!
//! and prints the finished job's status, `{"StatusCode": "Finished", "Results":
//! {"output1": {...}}, "Details": null}`, as received on one line.
//!
//! Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
//! are retried up to 3 times, after the `Retry-After` the service asks for
//! (seconds or an HTTP date, at most 10 s) or else 0.5, 1, then 2 s. Other
//! errors, such as 400 or 401 or a server certificate that fails verification,
//! are not.
//!
//! Exit status: 0 the job finished, 1 a call or the job failed (or did not
//! finish in time), 2 bad configuration.

use std::fmt::Display;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime};
use std::{env, io, process, thread};

use serde_json::{Value, json};
use ureq::http::{Method, Request, Response, StatusCode, Uri};
use ureq::tls::{RootCerts, TlsConfig};
use ureq::{Agent, Body, Error};

const ATTEMPTS: u32 = 4; // one call and up to three retries
const RETRY_STATUS: [u16; 4] = [429, 502, 503, 504]; // the service is busy or restarting
const UNSURE: &str = " (the job may have been created: check before submitting again)";

/// What a request does, which decides what may be repeated.
#[derive(PartialEq)]
enum Step {
    Submit, // creates a job
    Start,
    Poll,
}

/// Why a call failed: the job's deadline passed, or an error to report as it is.
enum Failure {
    Late,
    Error(String),
}

/// The service's agent, API key and the one deadline of the whole job.
struct Service {
    agent: Agent,
    key: Option<String>,
    deadline: Instant,
}

fn main() {
    let uri = uri("set SCORING_URI to the jobs URI of your Batch Execution service");
    let timeout = seconds("SCORING_TIMEOUT", "300");
    let interval = seconds("SCORING_POLL_INTERVAL", "1");
    let service = Service::new(token("SCORING_KEY"), timeout);
    let within = format!("within {} s", timeout.as_secs_f64());
    let failed = |late: String, failure| -> ! {
        match failure {
            Failure::Late => fail(1, late),
            Failure::Error(message) => fail(1, message),
        }
    };

    // 1. Submit the job; the answer is its id.
    let body = json!({
        "Inputs": {"input1": {
            "ColumnNames": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
            "Values": [
                [0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635,
                 -0.0359677812752396, -0.0266789028311707, -0.0249926566315915,
                 -0.00259226199818282, 0.00371173823343597, 0.0403433716478807],
                [-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822,
                 0.0479653430750293, 0.0293746718291555, -0.0176293810234174,
                 0.0343088588777263, 0.0702112981933102, 0.00720651632920303],
            ],
        }},
        "GlobalParameters": {},
    });
    let answer = (service.call(Step::Submit, &uri, Some(body.to_string().as_bytes())))
        .unwrap_or_else(|f| failed(format!("no response from {uri} {within}{UNSURE}"), f));
    let Some(id) = serde_json::from_slice::<String>(&answer).ok().filter(|id| !id.is_empty())
    else {
        fail(1, format!("unexpected response from {uri}: expected the job id, a JSON string"));
    };

    // 2. Start it. The id is escaped as one path segment; the query is kept.
    let (jobs, query) = match uri.split_once('?') {
        Some((path, query)) => (path, format!("?{query}")),
        None => (uri.as_str(), String::new()),
    };
    let job = format!("{}/{}", jobs.trim_end_matches('/'), segment(&id));
    let start = format!("{job}/start{query}");
    (service.call(Step::Start, &start, None))
        .unwrap_or_else(|f| failed(format!("no response from {start} {within}"), f));

    // 3. Check its status until it ends.
    let (answer, status) = poll(&service, &format!("{job}{query}"), interval)
        .unwrap_or_else(|f| failed(format!("job {id} did not finish {within}"), f));
    match status["StatusCode"].as_str() {
        Some("Finished") => {
            // The finished job's status as received, on one line.
            let mut line = compact(&answer);
            line.push(b'\n');
            io::stdout().write_all(&line).unwrap_or_else(|e| fail(1, e));
        }
        code => {
            let details = status["Details"].as_str().filter(|d| !d.trim().is_empty());
            let (code, details) = (code.unwrap_or_default(), details.unwrap_or("no details"));
            fail(1, format!("job {id} {code}: {details}"));
        }
    }
}

/// GETs the job's status every interval until the job has ended (Finished,
/// Failed or Cancelled), and returns that status as received and as read.
fn poll(service: &Service, uri: &str, interval: Duration) -> Result<(Vec<u8>, Value), Failure> {
    loop {
        let answer = service.call(Step::Poll, uri, None)?;
        let status = serde_json::from_slice::<Value>(&answer).unwrap_or_default();
        match status["StatusCode"].as_str() {
            Some("Finished" | "Failed" | "Cancelled") => return Ok((answer, status)),
            Some(_) => {} // NotStarted or Running: check again after the interval
            None => {
                let expected = "expected a job status with a StatusCode";
                return Err(Failure::Error(format!("unexpected response from {uri}: {expected}")));
            }
        }
        let left = service.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Late);
        }
        thread::sleep(interval.min(left));
    }
}

impl Service {
    fn new(key: Option<String>, timeout: Duration) -> Service {
        // Error statuses come back as responses (their body says why); no redirects
        // (a redirected POST would be resent as a GET); the platform's CA roots.
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .tls_config(TlsConfig::builder().root_certs(RootCerts::PlatformVerifier).build())
            .build()
            .into();
        let deadline = Instant::now() + timeout;
        Service { agent, key, deadline }
    }

    /// Sends one request (a JSON body, or none) and returns the successful
    /// answer's body, retrying transient failures until the deadline. A submit
    /// is repeated only where the service cannot have acted: 429, 503 (busy) or
    /// a refused connection (nothing sent); after a reset, 502 or 504 the job
    /// may exist. A retried start's 409 means the first start got through.
    fn call(&self, step: Step, uri: &str, body: Option<&[u8]>) -> Result<Vec<u8>, Failure> {
        let submit = step == Step::Submit;
        let method = if step == Step::Poll { Method::GET } else { Method::POST };
        let statuses: &[u16] = if submit { &[429, 503] } else { &RETRY_STATUS };
        let unsure = if submit { UNSURE } else { "" }; // for what only a submit does not repeat
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (error, retry_after) = match self.send(&method, uri, body).and_then(read) {
                Err(Error::Timeout(_)) => return Err(Failure::Late),
                Err(e) if refused(&e) || !submit && transient(&e) => {
                    (format!("cannot reach {uri}: {e}"), None)
                }
                Err(e) => {
                    let unsure = if transient(&e) { unsure } else { "" };
                    return Err(Failure::Error(format!("cannot reach {uri}: {e}{unsure}")));
                }
                Ok((status, retry_after, body)) if statuses.contains(&status.as_u16()) => {
                    (http_error(status, &body), retry_after)
                }
                Ok((StatusCode::CONFLICT, ..)) if step == Step::Start && attempt > 1 => {
                    return Ok(Vec::new()); // already started: by the attempt whose answer was lost
                }
                Ok((status, _, body)) if !status.is_success() => {
                    let unsure = if RETRY_STATUS.contains(&status.as_u16()) { unsure } else { "" };
                    return Err(Failure::Error(http_error(status, &body) + unsure));
                }
                Ok((_, _, body)) => return Ok(body),
            };
            let wait = retry_after.unwrap_or(Duration::from_millis(500 << (attempt - 1)));
            if attempt == ATTEMPTS || Instant::now() + wait >= self.deadline {
                return Err(Failure::Error(error));
            }
            thread::sleep(wait);
        }
    }

    /// Sends one request, with what is left of the deadline.
    fn send(
        &self,
        method: &Method,
        uri: &str,
        body: Option<&[u8]>,
    ) -> Result<Response<Body>, Error> {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(key) = &self.key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        if body.is_some() {
            request = request.header("Content-Type", "application/json");
        }
        let request = request.body(body.unwrap_or_default())?;
        let left = self.deadline.saturating_duration_since(Instant::now());
        let request = (self.agent.configure_request(request)).timeout_global(Some(left)).build();
        self.agent.run(request)
    }
}

/// The job id as one URL path segment: every byte but letters, digits and `-._~` percent-encoded.
fn segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A refused, reset or cut-off connection: worth another try. An unknown host
/// or a server certificate that fails verification (an io error of kind
/// InvalidData) would fail again.
fn transient(error: &Error) -> bool {
    use io::ErrorKind::{
        BrokenPipe, ConnectionAborted, ConnectionRefused, ConnectionReset, UnexpectedEof,
    };
    match error {
        Error::Io(e) => matches!(
            e.kind(),
            ConnectionRefused | ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
        ),
        Error::ConnectionFailed => true,
        _ => false,
    }
}

/// A refused connection: nothing was sent, so the service cannot have acted.
fn refused(error: &Error) -> bool {
    matches!(error, Error::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused)
}

/// The status, the wait asked for by `Retry-After` and the whole body of a response.
fn read(mut response: Response<Body>) -> Result<(StatusCode, Option<Duration>, Vec<u8>), Error> {
    let retry_after =
        response.headers().get("Retry-After").and_then(|v| retry_after(v.to_str().ok()?));
    let body = response.body_mut().read_to_vec()?;
    Ok((response.status(), retry_after, body))
}

/// A `Retry-After` value as a wait of at most 10 s: whole seconds (digits only)
/// or an HTTP date such as `Wed, 21 Oct 2026 07:28:00 GMT`. Anything else
/// (`-3`, `1.5`, `nan`) is None: the backoff applies.
fn retry_after(value: &str) -> Option<Duration> {
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        Duration::from_secs(value.parse().unwrap_or(u64::MAX))
    } else {
        http_date(value)?.duration_since(SystemTime::now()).unwrap_or_default() // past: now
    };
    Some(wait.min(Duration::from_secs(10)))
}

/// An HTTP date in the IMF-fixdate form of RFC 9110 (`Wed, 21 Oct 2026 07:28:00 GMT`).
fn http_date(text: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let [_, day, month, year, time, "GMT"] = text.split(' ').collect::<Vec<_>>()[..] else {
        return None;
    };
    let numbers = [day, year].into_iter().chain(time.split(':')).map(|t| t.parse::<u16>().ok());
    let numbers: Vec<i64> = numbers.map(|n| n.map(i64::from)).collect::<Option<_>>()?;
    let [d, y, h, m, s] = numbers[..] else {
        return None;
    };
    if !(1..=31).contains(&d) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days since 1970-01-01, counting years from March so that a leap day ends its year.
    let month = MONTHS.iter().position(|&name| name == month)? as i64; // 0 for January
    let (y, month) = if month < 2 { (y - 1, month + 10) } else { (y, month - 2) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * month + 2) / 5 + d - 719_469;
    let seconds = u64::try_from(days * 86_400 + h * 3_600 + m * 60 + s).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
}

/// "HTTP 401 Unauthorized: <message> (<code>)" from a classic error body,
/// else the body text, on one line and cut to 200 characters.
fn http_error(status: StatusCode, body: &[u8]) -> String {
    // e.g. {"error": {"code": "Unauthorized", "message": "..."}}
    let error = serde_json::from_slice::<Value>(body).unwrap_or_default();
    let message = match (error["error"]["message"].as_str(), error["error"]["code"].as_str()) {
        (Some(m), Some(c)) if !m.trim().is_empty() && !c.is_empty() => format!("{m} ({c})"),
        (Some(m), _) if !m.trim().is_empty() => m.to_owned(),
        _ => String::from_utf8_lossy(body).into_owned(),
    };
    let text: String =
        message.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect();
    let reason = status.canonical_reason().unwrap_or("");
    match text.as_str() {
        "" => format!("HTTP {} {reason}", status.as_u16()),
        _ => format!("HTTP {} {reason}: {text}", status.as_u16()),
    }
}

/// The JSON text on one line: the blanks between tokens dropped, every string
/// and number kept byte for byte as received.
fn compact(json: &[u8]) -> Vec<u8> {
    let (mut out, mut in_string, mut escaped) = (Vec::with_capacity(json.len()), false, false);
    for &b in json {
        if in_string {
            in_string = escaped || b != b'"';
            escaped = !escaped && b == b'\\';
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            continue; // JSON's four blanks, between tokens
        } else {
            in_string = b == b'"';
        }
        out.push(b);
    }
    out
}

/// SCORING_URI, which must be an http(s) URL; exits with `missing` when unset.
fn uri(missing: &str) -> String {
    let uri = setting("SCORING_URI").unwrap_or_else(|| fail(2, missing));
    match uri.parse::<Uri>() {
        Ok(u) if matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some() => uri,
        _ => fail(2, format!("SCORING_URI must be an http:// or https:// URL, not {uri:?}")),
    }
}

/// A duration in seconds (fractions allowed) from the variable, else the
/// default; exits with status 2 unless it is in (0, 86400].
fn seconds(name: &str, default: &str) -> Duration {
    let text = setting(name).unwrap_or_else(|| default.into());
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86400.0 => Duration::from_secs_f64(s), // NaN is not
        _ => fail(2, format!("{name} must be 0 < seconds <= 86400, not {text:?}")),
    }
}

/// A key or token from the variable, if set: visible ASCII only (a header value;
/// a line break would end the header); exits with status 2 otherwise.
fn token(name: &str) -> Option<String> {
    let value = setting(name)?;
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        fail(2, format!("{name} must be visible ASCII only, without spaces or line breaks"));
    }
    Some(value)
}

/// An environment variable's value; unset and empty are the same.
fn setting(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.is_empty())
}

/// Prints the message as one `error:` line on standard error and exits with the code.
fn fail(code: i32, message: impl Display) -> ! {
    let message = message.to_string();
    let line: Vec<&str> = message.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    eprintln!("error: {}", line.join(" "));
    process::exit(code)
}
