// Command upload sends a file (an image, say) to a model deployed as a web
// service whose scoring script reads the raw request, and prints the
// service's JSON answer as received (compacted to one line).
//
// Environment variables:
//
//	SCORING_URI        (required) scoring URI of the web service, for example
//	                   http://127.0.0.1:5001/api/v1/service/myservice/score
//	SCORING_KEY        (optional) key or token; sent as "Authorization: Bearer <key>"
//	SCORING_TIMEOUT    (optional) seconds to wait for the whole call, retries
//	                   included, default 30
//	SCORING_INPUT_FILE (required) the file, sent as raw bytes with
//	                   "Content-Type: application/octet-stream"
//	SCORING_INPUT_FIELD (optional) upload the file as multipart/form-data in
//	                   this form field instead (ModelArts: "images"), its type
//	                   guessed from the file name
//
// Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
// are retried up to 3 times, after the Retry-After the service asks for (in
// seconds or as an HTTP date, at most 10 s) or else 0.5, 1, then 2 s, within
// SCORING_TIMEOUT. Other errors, such as 400 or 401, a timeout or a server
// certificate that fails verification, are not.
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
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

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
		exit(2, "set SCORING_URI to the scoring URI of your web service")
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
	headers := http.Header{}
	if key := os.Getenv("SCORING_KEY"); key != "" {
		if !visible.MatchString(key) { // a line break would end the header and start another
			exit(2, "SCORING_KEY must be the key alone: visible ASCII, no spaces or line breaks")
		}
		headers.Set("Authorization", "Bearer "+key)
	}
	file := os.Getenv("SCORING_INPUT_FILE")
	if file == "" {
		exit(2, "set SCORING_INPUT_FILE to the file to send")
	}
	body, err := os.ReadFile(file)
	if err != nil {
		exit(2, "cannot read SCORING_INPUT_FILE: %v", err)
	}
	headers.Set("Content-Type", "application/octet-stream")
	if field := os.Getenv("SCORING_INPUT_FIELD"); field != "" {
		var contentType string
		if contentType, body, err = form(field, filepath.Base(file), body); err != nil {
			exit(1, "%v", err)
		}
		headers.Set("Content-Type", contentType)
	}
	answer, err := call(uri, headers, body, timeout)
	if err != nil {
		exit(1, "%v", err)
	}
	if !json.Valid(answer) { // whatever JSON the service answers
		exit(1, "unexpected response from %s: not JSON: %.200q", uri, answer)
	}
	// The answer as received, its whitespace between tokens removed, and a newline.
	var line bytes.Buffer
	if err := json.Compact(&line, answer); err == nil {
		line.WriteByte('\n')
		_, err = line.WriteTo(os.Stdout)
	}
	if err != nil {
		exit(1, "%v", err)
	}
}

// form returns a multipart/form-data body holding the file in one field, and its Content-Type.
func form(field, filename string, data []byte) (string, []byte, error) {
	kind := mime.TypeByExtension(filepath.Ext(filename))
	if kind == "" {
		kind = "application/octet-stream"
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	header := textproto.MIMEHeader{}
	header.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	header.Set("Content-Type", kind)
	part, err := w.CreatePart(header)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = w.Close() // the closing boundary
	}
	return w.FormDataContentType(), buf.Bytes(), err
}

// call POSTs body to the service and returns its successful answer, retrying
// transient failures until the deadline.
func call(uri string, headers http.Header, body []byte, timeout time.Duration) ([]byte, error) {
	// The deadline covers every attempt: connecting, sending, reading and waiting.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		resp, respBody, err := post(ctx, uri, headers, body)
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

// post sends one request with the headers and reads the whole answer.
func post(ctx context.Context, uri string, headers http.Header, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = headers.Clone()
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

// detail returns ": " and the message of a JSON error body, else the body
// text, on one line and cut to 200 characters; or "" for an empty body.
func detail(body []byte) string {
	var e struct { // e.g. {"status_code": 401, "message": "missing or invalid key"}
		Message string `json:"message"`
	}
	text := string(body)
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		text = e.Message
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
