// Command modelarts calls a model deployed as a ModelArts real-time service
// and prints its answer.
//
// Environment variables:
//
//	SCORING_URI      (required) the service's API URL, for example
//	                 https://<id>.apig.<region>.huaweicloudapis.com/v1/infers/<service-id>
//	SCORING_TOKEN    (optional) an IAM token; sent as "X-Auth-Token: <token>"
//	SCORING_TIMEOUT  (optional) seconds to wait for the whole call, retries
//	                 included, default 30
//
// It POSTs one iris record with "Content-Type: application/json" in the
// ModelArts envelope, with a fresh random (version 4) UUID for each call:
//
//	{"meta": {"uuid": "<uuid>"}, "data": {"req_data": [{"sepal_length": 3, ...}]}}
//
// and prints the service's JSON answer, {"meta": ..., "data": {"resp_data": [...]}},
// on one line.
//
// Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
// are retried up to 3 times, after the Retry-After the service asks for (in
// seconds or as an HTTP date, at most 10 s) or else 0.5, 1, then 2 s, within
// SCORING_TIMEOUT. Other errors (another 4xx, a timeout, a server certificate
// that fails verification) are not.
//
// Exit status: 0 success, 1 the call failed, 2 bad configuration.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
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
	"time"
)

// request is the ModelArts envelope: a meta part with the call's uuid and the records.
type request struct {
	Meta struct {
		UUID string `json:"uuid"`
	} `json:"meta"`
	Data struct {
		ReqData []iris `json:"req_data"`
	} `json:"data"`
}

// iris is one record of the iris classifier's input.
type iris struct {
	SepalLength float64 `json:"sepal_length"`
	SepalWidth  float64 `json:"sepal_width"`
	PetalLength float64 `json:"petal_length"`
	PetalWidth  float64 `json:"petal_width"`
}

const attempts = 4 // one call and up to three retries

// visible is what a token may hold in a header: visible ASCII, no spaces or line breaks.
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
		exit(2, "set SCORING_URI to the API URL of your ModelArts service")
	}
	if u, err := url.Parse(uri); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		exit(2, "SCORING_URI must be an http:// or https:// URL, not %q", uri)
	}
	timeoutText := os.Getenv("SCORING_TIMEOUT")
	if timeoutText == "" {
		timeoutText = "30"
	}
	seconds, err := strconv.ParseFloat(timeoutText, 64)
	if err != nil || !(seconds > 0 && seconds <= 86400) { // also rejects NaN
		exit(2, "SCORING_TIMEOUT must be 0 < seconds <= 86400, not %q", timeoutText)
	}
	timeout := time.Duration(seconds * float64(time.Second))
	token := os.Getenv("SCORING_TOKEN")
	if token != "" && !visible.MatchString(token) { // a line break would end the header and start another
		exit(2, "SCORING_TOKEN must be the token alone: visible ASCII, no spaces or line breaks")
	}

	var body request
	body.Meta.UUID, err = newUUID() // one per call, the same for its retries
	if err != nil {
		exit(1, "cannot make a UUID: %v", err)
	}
	body.Data.ReqData = []iris{{SepalLength: 3, SepalWidth: 1, PetalLength: 2.2, PetalWidth: 4}}
	data, err := json.Marshal(body)
	if err != nil {
		exit(1, "%v", err)
	}

	answer, err := call(uri, token, data, timeout)
	if err != nil {
		exit(1, "%v", err)
	}
	// Print the answer as received, on one line (Compact also checks it is JSON).
	var line bytes.Buffer
	if err := json.Compact(&line, answer); err != nil {
		exit(1, "unexpected response from %s: %v", uri, err)
	}
	line.WriteByte('\n')
	if _, err := line.WriteTo(os.Stdout); err != nil {
		exit(1, "%v", err)
	}
}

// newUUID returns a random (version 4) UUID in lower case.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10 (RFC 4122)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// call POSTs the JSON body to the service and returns its successful answer,
// retrying transient failures until the deadline.
func call(uri, token string, body []byte, timeout time.Duration) ([]byte, error) {
	// The deadline covers every attempt: connecting, sending, reading and waiting.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		resp, respBody, err := post(ctx, uri, token, body)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("no response from %s within %g s", uri, timeout.Seconds())
		}
		switch {
		case badCertificate(err): // fails verification again on every try: not retried
			return nil, fmt.Errorf("cannot reach %s: %v", uri, err)
		case err != nil: // refused, reset: worth another try
			err = fmt.Errorf("cannot reach %s: %v", uri, err)
		case retryStatus[resp.StatusCode]:
			err = fmt.Errorf("HTTP %s%s", resp.Status, detail(respBody))
		case resp.StatusCode < 200 || resp.StatusCode > 299:
			return nil, fmt.Errorf("HTTP %s%s", resp.Status, detail(respBody))
		default:
			return respBody, nil
		}
		wait := retryDelay(attempt, resp)
		if deadline, _ := ctx.Deadline(); attempt == attempts || time.Until(deadline) <= wait {
			return nil, err
		}
		time.Sleep(wait)
	}
}

// post sends one request and reads the whole answer.
func post(ctx context.Context, uri, token string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token) // ModelArts' IAM token header, not Authorization
	}
	resp, err := client.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // drop the `Post "<uri>":` prefix
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

// detail returns ": " and the message of a ModelArts error body, else the
// body text, on one line and cut to 200 characters; or "" for an empty body.
func detail(body []byte) string {
	var e struct { // e.g. {"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information: ..."}
		Code    string `json:"error_code"`
		Message string `json:"error_msg"`
	}
	text := string(body)
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		text = e.Message
		if e.Code != "" {
			text += " (" + e.Code + ")"
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
