// @ts-check
/**
 * Call a model on an Open Inference Protocol v2 server (KServe, NVIDIA Triton,
 * Seldon MLServer) and print its answer.
 *
 * Environment variables:
 *   SCORING_URI      (required) the model's infer URL, for example
 *                    http://localhost:8080/v2/models/diabetes/infer
 *   SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer <key>"
 *   SCORING_TIMEOUT  (optional) seconds the whole call may take, retries
 *                    included, default 30
 *
 * Sends POST with "Content-Type: application/json" and the two rows as one
 * FP64 tensor of shape [2, 10], its data flat (row-major):
 *   {"inputs": [{"name": "input-0", "shape": [2, 10], "datatype": "FP64", "data": [...]}]}
 * and prints the answer as received, on one line, once its first output's data
 * (the predictions) is checked to be an array of numbers.
 *
 * Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
 * are retried, at most 4 attempts in all, within SCORING_TIMEOUT, after the
 * Retry-After the service asks for (seconds or an HTTP date, at most 10 s) or
 * else 0.5, 1, then 2 s. Other errors, such as 400, 404 or a TLS certificate
 * that fails verification, are not.
 *
 * Exit status: 0 success, 1 the call failed, 2 bad configuration.
 * Run: node oip-infer.mjs (Node.js 20 or later; no dependencies).
 */
import { setTimeout as sleep } from "node:timers/promises";

// Two rows of ten features each, so the service returns two predictions.
const ROWS = [
  [0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
    -0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807],
  [-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
    0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303],
];

const ATTEMPTS = 4; // one call and up to three retries
const RETRY_STATUS = new Set([429, 502, 503, 504]); // the service is busy or restarting
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

/** ": " and the "error" of an inference error body, else the body text, on one line, cut to 200 characters. */
function detail(/** @type {string} */ body) {
  let text = body;
  try {
    const message = JSON.parse(body)?.error; // e.g. {"error": "Model diabetes-v9 not found"}
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
 * @param {string} url @param {RequestInit} init method, headers, body @param {Limit} limit
 */
async function call(url, init, { signal, deadline, text: timeout }) {
  for (let attempt = 1; ; attempt++) {
    let response, text, error;
    try {
      // redirect: "manual": a redirected POST would be resent as a GET. The signal bounds every attempt.
      response = await fetch(url, { ...init, redirect: "manual", signal });
      text = await response.text();
    } catch (e) {
      if (signal.aborted) throw new Failure(`no response from ${url} within ${timeout} s`);
      const { code, text: why } = reason(e);
      // fetch rejects with a TypeError caused by the network's error; any other is a bad request.
      if (!(e instanceof TypeError && e.cause)) throw new Failure(`cannot call ${url}: ${why}`);
      error = `cannot reach ${url}: ${why}`; // refused, reset: worth another try
      if (TLS_ERROR.test(code)) throw new Failure(`${error} (${code})`); // a bad certificate is not transient
    }
    if (response && text !== undefined) {
      error = `HTTP ${response.status} ${response.statusText}${detail(text)}`;
      if (response.ok) return text;
      if (!RETRY_STATUS.has(response.status)) throw new Failure(error);
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

/** The data of the answer's first output, the predictions; a Failure unless it is an array of numbers. */
function firstOutput(/** @type {string} */ answer, /** @type {string} */ url) {
  let data;
  try {
    data = JSON.parse(answer)?.outputs?.[0]?.data; // {"outputs": [{"name", "shape", "datatype", "data"}]}
  } catch (e) {
    throw new Failure(`unexpected response from ${url}: ${reason(e).text}`);
  }
  if (!(Array.isArray(data) && data.every(Number.isFinite))) {
    throw new Failure(`unexpected response from ${url}: expected {"outputs": [{"data": [numbers]}]}`);
  }
  return data;
}

async function main() {
  const uri = scoringUri("the infer URL of your model: .../v2/models/<name>/infer");
  const limit = timeLimit(seconds("SCORING_TIMEOUT", "30"));
  const key = headerSetting("SCORING_KEY");
  const headers = { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}) };
  // One tensor of shape [rows, features], its data flat (row-major).
  const input = { name: "input-0", shape: [ROWS.length, ROWS[0].length], datatype: "FP64", data: ROWS.flat() };
  const answer = await call(uri, { method: "POST", headers, body: JSON.stringify({ inputs: [input] }) }, limit);
  firstOutput(answer, uri); // {"outputs": [{..., "data": [numbers]}]}
  console.log(compact(answer));
}

try {
  await main();
} catch (e) {
  // One line, whatever the message: a line break and the blanks around it become one space.
  console.error(`error: ${reason(e).text.trim().replace(/\s*[\r\n]\s*/g, " ")}`);
  process.exitCode = e instanceof Failure ? e.exitCode : 1;
}
