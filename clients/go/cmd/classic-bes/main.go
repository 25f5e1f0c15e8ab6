// Command classic-bes runs a job on a model deployed as an Azure Machine
// Learning Studio (classic) Batch Execution service and prints the job's
// final status, results included.
//
// Environment variables:
//
//	SCORING_URI      (required) the jobs URI from the service's API help page,
//	                 for example https://ussouthcentral.services.azureml.net/
//	                 workspaces/<ws>/services/<id>/jobs?api-version=2.0
//	SCORING_KEY      (optional) the service's API key; sent as "Authorization: Bearer <key>"
//	SCORING_TIMEOUT  (optional) seconds the whole job may take, submitting,
//	                 polling and retries included, default 300
//	SCORING_POLL_INTERVAL (optional) seconds between status checks, default 1
//
// It talks to the service in three steps, keeping SCORING_URI's query
// (?api-version=2.0) on every URL:
//
//  1. submit: POST <jobs URI> with "Content-Type: application/json" and two
//     rows of the diabetes example as an input table,
//     {"Inputs": {"input1": {"ColumnNames": [...], "Values": [...]}}, "GlobalParameters": {}};
//     the answer is the job id, a JSON string
//  2. start: POST <jobs URI path>/<id>/start, without a body
//  3. poll: GET <jobs URI path>/<id> until its StatusCode is Finished, Failed
//     or Cancelled (it passes NotStarted and Running)
//
// and prints the finished job's status, {"StatusCode": "Finished", "Results":
// {"output1": {...}}, "Details": null}, as received on one line.
//
// Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
// are retried up to 3 times, after the Retry-After the service asks for (in
// seconds or as an HTTP date, at most 10 s) or else 0.5, 1, then 2 s, within
// SCORING_TIMEOUT. Other errors (another 4xx, a timeout, a server certificate
// that fails verification) are not. The submit, which creates a job, is sent
// again only where the service cannot have acted on it (429, 503, a refused
// connection); a 409 to a repeated start means the first one started the job.
//
// Exit status: 0 the job finished, 1 a call or the job failed (or did not
// finish in time), 2 bad configuration.
package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// request is the body of a classic call: named input tables and the web service parameters.
type request struct {
	Inputs           map[string]table  `json:"Inputs"`
	GlobalParameters map[string]string `json:"GlobalParameters"`
}

// table is an input table: its column names, then one row of values per record.
type table struct {
	ColumnNames []string    `json:"ColumnNames"`
	Values      [][]float64 `json:"Values"`
}

// The diabetes example: ten features per row, two rows, so two scored rows come back.
var diabetes = table{
	ColumnNames: []string{"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"},
	Values: [][]float64{
		{0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
			-0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807},
		{-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
			0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303},
	},
}

// What a request does decides when it may be sent again.
type kind int

const (
	submit   kind = iota // POST: creates the job; sent again only where the service cannot have acted on it
	startJob             // POST: safe to repeat; a 409 to a repeat means the first one started the job
	check                // GET: safe to repeat
)

// jobStatus is the part of a job's status document the program reads.
type jobStatus struct {
	StatusCode string `json:"StatusCode"` // NotStarted, Running, Finished, Failed or Cancelled
	Details    string `json:"Details"`    // why the job failed; null while all is well
}

const attempts = 4 // one call and up to three retries

// visible is what a key may hold in a header: visible ASCII, no spaces or line breaks.
var visible = regexp.MustCompile(`^[\x21-\x7e]+$`)

// retryStatus are the answers of a service that is busy or restarting.
var retryStatus = map[int]bool{429: true, 502: true, 503: true, 504: true}

// client does not follow redirects: a redirected POST would be resent as a GET.
var client = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func main() {
	uri := os.Getenv("SCORING_URI")
	if uri == "" {
		exit(2, "set SCORING_URI to the jobs URI of your Batch Execution service")
	}
	jobs, err := url.Parse(uri)
	if err != nil || (jobs.Scheme != "http" && jobs.Scheme != "https") || jobs.Host == "" {
		exit(2, "SCORING_URI must be an http:// or https:// URL, not %q", uri)
	}
	timeout := seconds("SCORING_TIMEOUT", "300")
	interval := seconds("SCORING_POLL_INTERVAL", "1")
	key := os.Getenv("SCORING_KEY")
	if key != "" && !visible.MatchString(key) { // a line break would end the header and start another
		exit(2, "SCORING_KEY must be the key alone: visible ASCII, no spaces or line breaks")
	}

	body, err := json.Marshal(request{
		Inputs:           map[string]table{"input1": diabetes},
		GlobalParameters: map[string]string{}, // {} rather than null
	})
	if err != nil {
		exit(1, "%v", err)
	}

	// One deadline for the whole job: every request, retry and wait between checks.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	failed := func(uri string, err error) {
		if errors.Is(err, context.DeadlineExceeded) {
			exit(1, "no response from %s within %g s", uri, timeout.Seconds())
		}
		exit(1, "%v", err)
	}

	// 1. Submit the job; the answer is its id.
	answer, err := call(ctx, submit, uri, key, body)
	if errors.Is(err, context.DeadlineExceeded) {
		exit(1, "no response from %s within %g s; the job may have been created", uri, timeout.Seconds())
	} else if err != nil {
		failed(uri, err)
	}
	var id string
	if err := json.Unmarshal(answer, &id); err != nil || id == "" {
		exit(1, "unexpected response from %s: expected the job id, a JSON string", uri)
	}

	// 2. Start it.  The id is escaped as one path segment; the query is kept.
	start := jobs.JoinPath(url.PathEscape(id), "start").String()
	if _, err := call(ctx, startJob, start, key, nil); err != nil {
		failed(start, err)
	}

	// 3. Check its status until it ends.
	answer, s, err := poll(ctx, jobs.JoinPath(url.PathEscape(id)).String(), key, interval)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		exit(1, "job %s did not finish within %g s", id, timeout.Seconds())
	case err != nil:
		exit(1, "%v", err)
	case s.StatusCode != "Finished": // Failed or Cancelled
		details := strings.Join(strings.Fields(s.Details), " ") // on one line
		if details == "" {
			details = "no details"
		}
		exit(1, "job %s %s: %s", id, s.StatusCode, details)
	}
	// The finished job's status as received, on one line.
	var line bytes.Buffer
	if err := json.Compact(&line, answer); err != nil {
		exit(1, "%v", err)
	}
	line.WriteByte('\n')
	if _, err := line.WriteTo(os.Stdout); err != nil {
		exit(1, "%v", err)
	}
}

// poll GETs the job's status every interval until the job has ended, and
// returns the last status document, as received and as read.
func poll(ctx context.Context, uri, key string, interval time.Duration) ([]byte, jobStatus, error) {
	for {
		var s jobStatus
		answer, err := call(ctx, check, uri, key, nil)
		if err != nil {
			return nil, s, err
		}
		if err := json.Unmarshal(answer, &s); err != nil || s.StatusCode == "" {
			return nil, s, fmt.Errorf("unexpected response from %s: expected a job status with a StatusCode", uri)
		}
		switch s.StatusCode {
		case "Finished", "Failed", "Cancelled":
			return answer, s, nil
		}
		select { // NotStarted or Running: check again after the interval
		case <-ctx.Done():
			return nil, s, ctx.Err() // the deadline
		case <-time.After(interval):
		}
	}
}

// seconds reads a duration in seconds (fractions allowed) from the variable,
// else the default; it exits with status 2 if it is not in (0, 86400].
func seconds(name, fallback string) time.Duration {
	text := os.Getenv(name)
	if text == "" {
		text = fallback
	}
	s, err := strconv.ParseFloat(text, 64)
	if err != nil || !(s > 0 && s <= 86400) { // also rejects NaN
		exit(2, "%s must be 0 < seconds <= 86400, not %q", name, text)
	}
	return time.Duration(s * float64(time.Second))
}

// call sends one request (a JSON body, or none when body is nil) and returns
// the successful answer, retrying transient failures as its kind allows until
// ctx's deadline; then its error is context.DeadlineExceeded.
func call(ctx context.Context, k kind, uri, key string, body []byte) ([]byte, error) {
	method := http.MethodPost
	if k == check {
		method = http.MethodGet
	}
	for attempt := 1; ; attempt++ {
		resp, respBody, err := send(ctx, method, uri, key, body)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, context.DeadlineExceeded
		}
		again := true // the request may be sent again
		switch {
		case badCertificate(err): // fails verification again on every try: not retried
			return nil, fmt.Errorf("cannot reach %s: %v", uri, err)
		case err != nil: // refused, reset: worth another try (a submit only if refused: nothing was sent)
			again = k != submit || errors.Is(err, syscall.ECONNREFUSED)
			err = fmt.Errorf("cannot reach %s: %v", uri, err)
		case retryStatus[resp.StatusCode]: // a submit only on 429 and 503: the service did not take it
			again = k != submit || resp.StatusCode == http.StatusTooManyRequests ||
				resp.StatusCode == http.StatusServiceUnavailable
			err = fmt.Errorf("HTTP %s%s", resp.Status, detail(respBody))
		case resp.StatusCode == http.StatusConflict && k == startJob && attempt > 1:
			return respBody, nil // the job was started by the attempt whose answer was lost
		case resp.StatusCode < 200 || resp.StatusCode > 299:
			return nil, fmt.Errorf("HTTP %s%s", resp.Status, detail(respBody))
		default:
			return respBody, nil
		}
		if !again {
			return nil, fmt.Errorf("%v; not sent again: the job may have been created", err)
		}
		wait := retryDelay(attempt, resp)
		if deadline, _ := ctx.Deadline(); attempt == attempts || time.Until(deadline) <= wait {
			return nil, err
		}
		time.Sleep(wait)
	}
}

// send sends one request and reads the whole answer.
func send(ctx context.Context, method, uri, key string, body []byte) (*http.Response, []byte, error) {
	var content io.Reader
	if body != nil {
		content = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, uri, content)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // drop the `Get "<uri>":` (or Post) prefix
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	return resp, respBody, err
}

// retryDelay is the wait the service asked for in Retry-After (seconds, or an
// HTTP date), else 0.5, 1, 2 s; a Retry-After of any other form is ignored.
// The wait is kept within 0..10 s.
func retryDelay(attempt int, resp *http.Response) time.Duration {
	wait := time.Duration(500<<(attempt-1)) * time.Millisecond
	if resp != nil {
		after := resp.Header.Get("Retry-After")
		if s, err := strconv.ParseUint(after, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) { // digits only
			wait = time.Duration(min(s, 10)) * time.Second
		} else if date, err := http.ParseTime(after); err == nil {
			wait = time.Until(date)
		}
	}
	return min(max(wait, 0), 10*time.Second)
}

// detail returns ": " and the message of a classic error body, else the body
// text, on one line and cut to 200 characters; or "" for an empty body.
func detail(body []byte) string {
	var e struct { // e.g. {"error": {"code": "JobNotFound", "message": "..."}}
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	text := string(body)
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		text = e.Error.Message
		if e.Error.Code != "" {
			text += " (" + e.Error.Code + ")"
		}
	}
	if text = strings.Join(strings.Fields(text), " "); text == "" {
		return ""
	}
	if r := []rune(text); len(r) > 200 {
		text = string(r[:200])
	}
	return ": " + text
}

// badCertificate tells whether err is the server's certificate failing
// verification (untrusted CA, wrong host name, expired...). Go 1.20 and later
// wrap these in *tls.CertificateVerificationError, which errors.As sees through.
func badCertificate(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// newlines matches a line break and the blanks around it.
var newlines = regexp.MustCompile(`\s*\n\s*`)

// exit prints the message on one line of standard error and exits with code.
func exit(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "error: %s\n", newlines.ReplaceAllString(fmt.Sprintf(format, args...), " "))
	os.Exit(code)
}
