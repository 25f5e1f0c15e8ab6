//! Calls a model deployed as an Azure Machine Learning Studio (classic)
//! Request-Response service and prints the scored table.
//!
//! Environment variables:
//!
//! * `SCORING_URI` (required): the request URI from the service's API help page,
//!   for example `https://ussouthcentral.services.azureml.net/workspaces/<ws>/services/<id>/execute?api-version=2.0&details=true`
//! * `SCORING_KEY` (optional): the service's API key, sent as `Authorization: Bearer <key>`
//! * `SCORING_TIMEOUT` (optional): seconds the whole call may take, retries
//!   included; default 30
//!
//! It POSTs two rows of the diabetes example as an input table, with
//! `Content-Type: application/json`:
//!
//! ```json
//! {"Inputs": {"input1": {"ColumnNames": ["age", ...], "Values": [[...], [...]]}}, "GlobalParameters": {}}
//! ```
//!
//! and prints the service's answer, `{"Results": {"output1": {"type": "table", "value": {...}}}}`,
//! as received on one line.
//!
//! Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
//! are retried up to 3 times, after the `Retry-After` the service asks for
//! (seconds or an HTTP date, at most 10 s) or else 0.5, 1, then 2 s. Other
//! errors, such as 400 or 401 or a server certificate that fails verification,
//! are not.
//!
//! Exit status: 0 success, 1 the call failed, 2 bad configuration.

use std::fmt::Display;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime};
use std::{env, io, process, thread};

use serde_json::{Value, json};
use ureq::http::{Response, StatusCode, Uri};
use ureq::tls::{RootCerts, TlsConfig};
use ureq::{Agent, Body, Error};

const ATTEMPTS: u32 = 4; // one call and up to three retries
const RETRY_STATUS: [u16; 4] = [429, 502, 503, 504]; // the service is busy or restarting

fn main() {
    let uri = uri("set SCORING_URI to the request URI of your Request-Response service");
    let timeout = seconds("SCORING_TIMEOUT", "30");
    let key = token("SCORING_KEY");

    // The diabetes example as an input table: ten named features per row, two
    // rows, so two scored rows come back.
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
    let answer = call(&uri, key.as_deref(), body.to_string().as_bytes(), timeout)
        .unwrap_or_else(|e| fail(1, e));
    if let Err(e) = serde_json::from_slice::<Value>(&answer) {
        fail(1, format!("unexpected response from {uri}: {e}"));
    }
    // Printed as received, on one line: no number or string is decoded and encoded again.
    let mut line = compact(&answer);
    line.push(b'\n');
    io::stdout().write_all(&line).unwrap_or_else(|e| fail(1, e));
}

/// POSTs the JSON body and returns the successful answer's body, retrying
/// transient failures; the timeout covers every attempt and wait.
fn call(uri: &str, key: Option<&str>, body: &[u8], timeout: Duration) -> Result<Vec<u8>, String> {
    // Error statuses come back as responses (their body says why); no redirects
    // (a redirected POST would be resent as a GET); the platform's CA roots.
    let agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .tls_config(TlsConfig::builder().root_certs(RootCerts::PlatformVerifier).build())
        .build()
        .into();
    let deadline = Instant::now() + timeout;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let mut request = agent.post(uri).config().timeout_global(Some(left)).build();
        if let Some(key) = key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let sent = request.content_type("application/json").send(body);
        let (error, retry_after) = match sent.and_then(read) {
            Err(Error::Timeout(_)) => {
                return Err(format!("no response from {uri} within {} s", timeout.as_secs_f64()));
            }
            Err(e) if transient(&e) => (format!("cannot reach {uri}: {e}"), None),
            Err(e) => return Err(format!("cannot reach {uri}: {e}")),
            Ok((status, retry_after, body)) if RETRY_STATUS.contains(&status.as_u16()) => {
                (http_error(status, &body), retry_after)
            }
            Ok((status, _, body)) if !status.is_success() => return Err(http_error(status, &body)),
            Ok((_, _, body)) => return Ok(body),
        };
        let wait = retry_after.unwrap_or(Duration::from_millis(500 << (attempt - 1)));
        if attempt == ATTEMPTS || Instant::now() + wait >= deadline {
            return Err(error);
        }
        thread::sleep(wait);
    }
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
