// @ts-check
/**
 * Run an Azure ML Studio (classic) Batch Execution job and print its result.
 *
 * Environment variables:
 *   SCORING_URI      (required) the jobs URI, for example
 *                    https://ussouthcentral.services.azureml.net/
 *                    workspaces/<ws>/services/<id>/jobs?api-version=2.0
 *   SCORING_KEY      (optional) the service's API key; sent as
 *                    "Authorization: Bearer <key>"
 *   SCORING_POLL_INTERVAL (optional) seconds between status checks, default 1
 *   SCORING_TIMEOUT  (optional) seconds the whole run may take, retries and
 *                    polling included, default 300
 *
 * Sends:
 *   1. POST <jobs URI> with "Content-Type: application/json" and two rows of the
 *      diabetes example as the input table "input1"; the answer is the job id,
 *      a JSON string.
 *   2. POST <jobs URI path>/<id>/start?api-version=2.0 with no body.
 *   3. GET <jobs URI path>/<id>?api-version=2.0 every SCORING_POLL_INTERVAL
 *      seconds until the job's StatusCode is Finished, Failed or Cancelled.
 * Prints the finished job's status document (with its Results) as it is, on one
 * line. A job that ends Failed or Cancelled is reported with its Details.
 *
 * Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
 * of each request are retried, at most 4 attempts in all, within
 * SCORING_TIMEOUT, after the Retry-After the service asks for (seconds or an
 * HTTP date, at most 10 s) or else 0.5, 1, then 2 s; but the submit, which
 * creates a job, only where the service cannot have acted: 429, 503 or a
 * refused connection (after a reset, 502 or 504 the job may exist: reported,
 * not submitted twice). A 409 to a retried start means the first start arrived:
 * the job runs. Other errors, such as 400, 401 or a TLS certificate that fails
 * verification, are not retried.
 *
 * Exit status: 0 the job finished, 1 a call or the job failed, 2 bad configuration.
 * Run: node classic-bes.mjs (Node.js 20 or later; no dependencies).
 */
import { setTimeout as sleep } from "node:timers/promises";

// Two rows of ten features each, as the input table "input1", so the job scores two rows.
const INPUTS = {
  Inputs: {
    input1: {
      ColumnNames: ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
      Values: [
        [0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
          -0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807],
        [-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
          0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303],
      ],
    },
  },
  GlobalParameters: {},
};

const ATTEMPTS = 4; // one call and up to three retries
const RETRY_STATUS = new Set([429, 502, 503, 504]); // the service is busy or restarting
const REFUSED_STATUS = new Set([429, 503]); // the service refused the request: nothing was created
const RUNNING = new Set(["NotStarted", "Running"]); // the job's StatusCode while it is not over
const ENDED = new Set(["Failed", "Cancelled"]); // the job ended without results
// Codes of a TLS failure (an untrusted, expired or mismatched certificate...): the same on every try.
const TLS_ERROR = /CERT|SIGNATURE|ISSUER|INVALID_CA|ERR_TLS|ERR_SSL/;

/** A failure: its message is the one line printed on stderr; exit code 1, or 2 for bad settings. */
class Failure extends Error {
  /** @param {string} message @param {number} [exitCode] */
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** SCORING_URI, an http:// or https:// URL; a Failure (exit 2) otherwise. */
function scoringUri(/** @type {string} */ what) {
  const uri = process.env.SCORING_URI;
  if (!uri) throw new Failure(`set SCORING_URI to ${what}`, 2);
  let url;
  try {
    url = new URL(uri);
  } catch {} // not a URL at all
  if (!url || !["http:", "https:"].includes(url.protocol) || !url.host) {
    throw new Failure(`SCORING_URI must be an http:// or https:// URL, not ${JSON.stringify(uri)}`, 2);
  }
  return uri;
}

/** The seconds in variable `name` (default `fallback`); a Failure (exit 2) unless 0 < seconds <= 86400. */
function seconds(/** @type {string} */ name, /** @type {string} */ fallback) {
  const text = process.env[name] || fallback;
  const value = Number(text);
  if (!(value > 0 && value <= 86400)) { // also rejects NaN
    throw new Failure(`${name} must be 0 < seconds <= 86400, not ${JSON.stringify(text)}`, 2);
  }
  return { value, text };
}

/** Variable `name`, sent in a header (a key, a token): visible ASCII only, else a Failure (exit 2). */
function headerSetting(/** @type {string} */ name) {
  const value = process.env[name];
  if (value && !/^[\x21-\x7e]+$/.test(value)) { // a line break would end the header and start another
    throw new Failure(`${name} must be visible ASCII only (no spaces or line breaks)`, 2); // the value stays secret
  }
  return value;
}

/** @typedef {{signal: AbortSignal, deadline: number, text: string}} Limit the time left for the whole call */

/** One limit for the whole call: a signal that aborts every attempt at the deadline. */
function timeLimit(/** @type {{value: number, text: string}} */ { value, text }) {
  return { signal: AbortSignal.timeout(value * 1000), deadline: performance.now() + value * 1000, text };
}

/** The innermost cause of an error, described, e.g. "connect ECONNREFUSED 127.0.0.1:5001", and its code. */
function reason(/** @type {unknown} */ error) {
  let e = /** @type {Error & {code?: string}} */ (error);
  while (e.cause instanceof Error) e = e.cause;
  return { code: e.code ?? "", text: e.message || e.code || String(e) }; // an AggregateError has no message
}

/** ": " and the "error.message" of a classic error body, else the body text, on one line, cut to 200 characters. */
function detail(/** @type {string} */ body) {
  let text = body;
  try {
    const message = JSON.parse(body)?.error?.message; // {"error": {"code": "...", "message": "..."}}
    if (typeof message === "string" && message) text = message;
  } catch {} // not JSON: the text itself
  text = [...text.replace(/\s+/g, " ").trim()].slice(0, 200).join("");
  return text ? `: ${text}` : "";
}

/**
 * Seconds to wait before the next attempt: the Retry-After the service asks for, whole seconds or an HTTP date
 * (e.g. "Wed, 21 Oct 2026 07:28:00 GMT"), kept within 0..10 s; else (none, or "nan", "-3", "1.5") 0.5, 1, 2 s.
 */
function retryDelay(/** @type {number} */ attempt, /** @type {Response | undefined} */ response) {
  const header = response?.headers.get("retry-after")?.trim() ?? "";
  // Date.parse alone is lenient (it reads "-3" as a year): only a date of the HTTP form is parsed.
  const date = /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/.test(header) ? Date.parse(header) : NaN;
  const wait = /^\d+$/.test(header) ? Number(header) : (date - Date.now()) / 1000;
  return Number.isNaN(wait) ? 0.5 * 2 ** (attempt - 1) : Math.min(Math.max(wait, 0), 10);
}

/**
 * Sends one request, retrying transient failures while time is left; returns the text of its 2xx answer.
 * `creates`: the request creates the job, so it is retried only where the service cannot have acted (429, 503,
 * a refused connection). `done`: a status that, answering a retry, means the first attempt arrived (a success).
 * @param {string} url @param {RequestInit} init method, headers, body @param {Limit} limit
 * @param {{creates?: boolean, done?: number}} [options]
 */
async function call(url, init, { signal, deadline, text: timeout }, { creates = false, done = 0 } = {}) {
  const unsure = creates ? " (the job may have been created)" : "";
  for (let attempt = 1; ; attempt++) {
    let response, text, error;
    try {
      // redirect: "manual": a redirected POST would be resent as a GET. The signal bounds every attempt.
      response = await fetch(url, { ...init, redirect: "manual", signal });
      text = await response.text();
    } catch (e) {
      if (signal.aborted) throw new Failure(`no response from ${url} within ${timeout} s${unsure}`);
      const { code, text: why } = reason(e);
      // fetch rejects with a TypeError caused by the network's error; any other is a bad request.
      if (!(e instanceof TypeError && e.cause)) throw new Failure(`cannot call ${url}: ${why}`);
      error = `cannot reach ${url}: ${why}`; // refused, reset: worth another try
      if (TLS_ERROR.test(code)) throw new Failure(`${error} (${code})`); // a bad certificate is not transient
      // Only a refused connection sent nothing; after a reset the request may have been acted on.
      if (creates && code !== "ECONNREFUSED") throw new Failure(error + unsure);
    }
    if (response && text !== undefined) {
      error = `HTTP ${response.status} ${response.statusText}${detail(text)}`;
      if (response.ok || (attempt > 1 && response.status === done)) return text;
      if (!(creates ? REFUSED_STATUS : RETRY_STATUS).has(response.status)) {
        throw new Failure(RETRY_STATUS.has(response.status) ? error + unsure : error); // a 502, 504: unsure
      }
    }
    const delay = retryDelay(attempt, response);
    if (attempt === ATTEMPTS || performance.now() + delay * 1000 >= deadline) throw new Failure(String(error));
    await sleep(delay * 1000);
  }
}

/** The answer as received, on one line: the blanks between JSON tokens dropped, numbers and strings untouched. */
function compact(/** @type {string} */ json) {
  return json.replace(/"(?:[^"\\]|\\.)*"|[ \t\n\r]+/g, (token) => (token[0] === '"' ? token : ""));
}

/** The answer's JSON value; a Failure if it is not JSON. */
function parse(/** @type {string} */ answer, /** @type {string} */ url) {
  try {
    return JSON.parse(answer);
  } catch (e) {
    throw new Failure(`unexpected response from ${url}: ${reason(e).text}`);
  }
}

async function main() {
  const uri = scoringUri("the jobs URI of your Batch Execution service");
  const limit = timeLimit(seconds("SCORING_TIMEOUT", "300")); // one deadline for every request and wait
  const interval = seconds("SCORING_POLL_INTERVAL", "1").value * 1000;
  const key = headerSetting("SCORING_KEY");
  /** @type {Record<string, string>} */
  const auth = key ? { Authorization: `Bearer ${key}` } : {};

  // 1. Submit: the answer is the job's id.
  const headers = { "Content-Type": "application/json", ...auth };
  const submit = { method: "POST", headers, body: JSON.stringify(INPUTS) };
  const job = parse(await call(uri, submit, limit, { creates: true }), uri);
  if (typeof job !== "string" || !job) {
    throw new Failure(`unexpected response from ${uri}: expected the job id, a JSON string`);
  }

  // The job's URLs: its id (escaped) under the jobs path, with the same query (?api-version=2.0).
  const jobUrl = (/** @type {string} */ suffix) => {
    const url = new URL(uri);
    url.pathname = `${url.pathname.replace(/\/+$/, "")}/${encodeURIComponent(job)}${suffix}`;
    url.hash = "";
    return url.href;
  };
  const statusUrl = jobUrl("");

  // 2. Start: an empty POST. A 409 to a retry: the first start arrived, so the job runs.
  await call(jobUrl("/start"), { method: "POST", headers: auth }, limit, { done: 409 });

  // 3. Poll until the job is over, or until the deadline.
  for (;;) {
    const answer = await call(statusUrl, { method: "GET", headers: auth }, limit);
    const status = parse(answer, statusUrl);
    const code = status?.StatusCode;
    if (typeof code !== "string") {
      throw new Failure(`unexpected response from ${statusUrl}: expected a job status with a StatusCode`);
    }
    if (code === "Finished") {
      // {"StatusCode": "Finished", "Results": {"output1": {...}}, "Details": null}
      console.log(compact(answer));
      return;
    }
    if (ENDED.has(code)) throw new Failure(`job ${job} ${code}: ${String(status.Details || "no details")}`);
    if (!RUNNING.has(code)) {
      throw new Failure(`unexpected response from ${statusUrl}: StatusCode ${JSON.stringify(code)}`);
    }
    if (performance.now() + interval >= limit.deadline) {
      throw new Failure(`job ${job} did not finish within ${limit.text} s`);
    }
    await sleep(interval);
  }
}

try {
  await main();
} catch (e) {
  // One line, whatever the message: a line break and the blanks around it become one space.
  console.error(`error: ${reason(e).text.trim().replace(/\s*[\r\n]\s*/g, " ")}`);
  process.exitCode = e instanceof Failure ? e.exitCode : 1;
}
