// Command classic-rrs calls a model deployed as an Azure Machine Learning
// Studio (classic) Request-Response service and prints its answer.
//
// Environment variables:
//
//	SCORING_URI      (required) the request URI from the service's API help
//	                 page, for example https://ussouthcentral.services.azureml.net/
//	                 workspaces/<ws>/services/<id>/execute?api-version=2.0&details=true
//	SCORING_KEY      (optional) the service's API key; sent as "Authorization: Bearer <key>"
//	SCORING_TIMEOUT  (optional) seconds to wait for the whole call, retries
//	                 included, default 30
//
// It POSTs two rows of the diabetes example data as an input table, with
// "Content-Type: application/json":
//
//	{"Inputs": {"input1": {"ColumnNames": ["age", ...], "Values": [[...], [...]]}}, "GlobalParameters": {}}
//
// and prints the service's JSON answer, the scored table
// {"Results": {"output1": {"type": "table", "value": {...}}}}, on one line.
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
		exit(2, "set SCORING_URI to the request URI of your Request-Response service")
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
	answer, err := call(uri, key, body, timeout)
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

// call POSTs the JSON body to the service and returns its successful answer,
// retrying transient failures until the deadline.
func call(uri, key string, body []byte, timeout time.Duration) ([]byte, error) {
	// The deadline covers every attempt: connecting, sending, reading and waiting.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		resp, respBody, err := post(ctx, uri, key, body)
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
func post(ctx context.Context, uri, key string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
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

// detail returns ": " and the message of a classic error body, else the body
// text, on one line and cut to 200 characters; or "" for an empty body.
func detail(body []byte) string {
	var e struct { // e.g. {"error": {"code": "Unauthorized", "message": "..."}}
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
