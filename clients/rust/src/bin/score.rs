//! Calls a model deployed as a web service and prints its predictions.
//!
//! Environment variables:
//!
//! * `SCORING_URI` (required): the scoring URI of the web service, for example
//!   `http://127.0.0.1:5001/api/v1/service/myservice/score`
//! * `SCORING_KEY` (optional): key or token, sent as `Authorization: Bearer <key>`
//! * `SCORING_TIMEOUT` (optional): seconds the whole call may take, retries
//!   included; default 30
//! * `SCORING_DEPLOYMENT` (optional): the deployment of an Azure ML online
//!   endpoint to call, whatever its traffic split; sent as
//!   `azureml-model-deployment: <name>`
//! * `SCORING_INPUT_FILE` (optional): a file (an image, say) to send as raw bytes
//!   with `Content-Type: application/octet-stream` instead of the rows, to a
//!   service that reads the raw request; its JSON answer is printed as it is
//! * `SCORING_INPUT_FIELD` (optional): with `SCORING_INPUT_FILE`, upload the file
//!   as `multipart/form-data` in this form field instead (ModelArts: `images`),
//!   its type guessed from the file name
//!
//! Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
//! are retried up to 3 times, after the `Retry-After` the service asks for (at
//! most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400 or 401 or a
//! server certificate that fails verification, are not.
//!
//! Exit status: 0 success, 1 the call failed, 2 bad configuration.

use std::fmt::Display;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use std::{env, fs, io, process, thread};

use serde_json::{Value, json};
use ureq::http::{Response, StatusCode, Uri};
use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::multipart::{Form, Part};
use ureq::{Agent, Body, Error};

const ATTEMPTS: u32 = 4; // one call and up to three retries
const RETRY_STATUS: [u16; 4] = [429, 502, 503, 504]; // the service is busy or restarting

/// What is sent: the rows as JSON, a file's raw bytes, or the file in a form field.
enum Payload {
    Json(Vec<u8>),
    Raw(Vec<u8>),
    Form { field: String, name: String, kind: String, data: Vec<u8> },
}

fn main() {
    let uri = uri("set SCORING_URI to the scoring URI of your web service");
    let timeout = seconds("SCORING_TIMEOUT", "30");
    let mut headers = Vec::new();
    if let Some(key) = setting("SCORING_KEY") {
        headers.push(("Authorization", format!("Bearer {key}")));
    }
    if let Some(deployment) = setting("SCORING_DEPLOYMENT") {
        // An online endpoint sends the call to this deployment, whatever its traffic split.
        if !deployment.bytes().all(|b| b.is_ascii_graphic()) {
            fail(
                2,
                "SCORING_DEPLOYMENT must be a deployment name (visible ASCII, no spaces or line breaks)",
            );
        }
        headers.push(("azureml-model-deployment", deployment));
    }
    let payload = payload();

    let answer = call(&uri, &headers, &payload, timeout).unwrap_or_else(|e| fail(1, e));
    // The rows' answer must be one prediction per row; a file's answer may be any JSON.
    let checked = match payload {
        Payload::Json(_) => serde_json::from_slice::<Vec<f64>>(&answer).map(drop),
        _ => serde_json::from_slice::<Value>(&answer).map(drop),
    };
    if let Err(e) = checked {
        fail(1, format!("unexpected response from {uri}: {e}"));
    }
    // Printed as received, on one line: no number or string is decoded and encoded again.
    let mut line = compact(&answer);
    line.push(b'\n');
    io::stdout().write_all(&line).unwrap_or_else(|e| fail(1, e));
}

/// What to send, from SCORING_INPUT_FILE and SCORING_INPUT_FIELD: by default the rows.
fn payload() -> Payload {
    let Some(file) = setting("SCORING_INPUT_FILE") else {
        // Two rows of ten features each, so the service returns two predictions.
        let rows = json!({"data": [
            [0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635,
             -0.0359677812752396, -0.0266789028311707, -0.0249926566315915,
             -0.00259226199818282, 0.00371173823343597, 0.0403433716478807],
            [-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822,
             0.0479653430750293, 0.0293746718291555, -0.0176293810234174,
             0.0343088588777263, 0.0702112981933102, 0.00720651632920303],
        ]});
        return Payload::Json(rows.to_string().into_bytes());
    };
    let data = fs::read(&file)
        .unwrap_or_else(|e| fail(2, format!("cannot read SCORING_INPUT_FILE {file:?}: {e}")));
    let Some(field) = setting("SCORING_INPUT_FIELD") else {
        return Payload::Raw(data);
    };
    let path = Path::new(&file);
    Payload::Form {
        field,
        name: path.file_name().map_or(file.clone(), |n| n.to_string_lossy().into()),
        kind: mime_guess::from_path(path).first_or_octet_stream().to_string(),
        data,
    }
}

/// POSTs the payload and returns the successful answer's body, retrying
/// transient failures; the timeout covers every attempt and wait.
fn call(
    uri: &str,
    headers: &[(&str, String)],
    payload: &Payload,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
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
        let (error, retry_after) = match send(&agent, uri, headers, payload, left).and_then(read) {
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

/// Sends one request, with the headers and what is left of the timeout.
fn send(
    agent: &Agent,
    uri: &str,
    headers: &[(&str, String)],
    payload: &Payload,
    left: Duration,
) -> Result<Response<Body>, Error> {
    let mut request = agent.post(uri).config().timeout_global(Some(left)).build();
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    match payload {
        Payload::Json(body) => request.content_type("application/json").send(body),
        Payload::Raw(data) => request.content_type("application/octet-stream").send(data),
        // The form sets its own Content-Type: multipart/form-data; boundary=...
        Payload::Form { field, name, kind, data } => {
            request.send(Form::new().part(field, Part::bytes(data).file_name(name).mime_str(kind)?))
        }
    }
}

/// The status, the Retry-After delay asked for (at most 10 s) and the whole body of a response.
fn read(mut response: Response<Body>) -> Result<(StatusCode, Option<Duration>, Vec<u8>), Error> {
    let retry_after = (response.headers().get("Retry-After"))
        .and_then(|v| v.to_str().ok()?.trim().parse::<f64>().ok())
        .filter(|s| *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(10.0)));
    let body = response.body_mut().read_to_vec()?;
    Ok((response.status(), retry_after, body))
}

/// "HTTP 401 Unauthorized: <message>": the `message` of a JSON error body,
/// else the body text, on one line and cut to 200 characters.
fn http_error(status: StatusCode, body: &[u8]) -> String {
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| Some(v.get("message")?.as_str()?.to_owned()))
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
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
        } else if b.is_ascii_whitespace() {
            continue;
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
