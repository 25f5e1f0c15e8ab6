// Command scoring-client calls a model deployed as a web service and prints
// its predictions.
//
// Environment variables:
//
//	SCORING_URI      (required) scoring URI of the web service, for example
//	                 http://127.0.0.1:5001/api/v1/service/myservice/score
//	SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer <key>"
//	SCORING_TIMEOUT  (optional) seconds to wait for the whole call, retries
//	                 included, default 30
//	SCORING_DEPLOYMENT (optional) the deployment of an Azure ML online endpoint
//	                 to call, whatever its traffic split; sent as
//	                 "azureml-model-deployment: <name>"
//	SCORING_INPUT_FILE (optional) a file (an image, say) to send as raw bytes with
//	                 "Content-Type: application/octet-stream" instead of the rows,
//	                 to a service that reads the raw request; its JSON answer is
//	                 printed as it is
//	SCORING_INPUT_FIELD (optional) with SCORING_INPUT_FILE: upload the file as
//	                 multipart/form-data in this form field instead (ModelArts:
//	                 "images"), its type guessed from the file name
//
// Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
// are retried up to 3 times, after the Retry-After the service asks for (at
// most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400 or 401 or a
// server certificate that fails verification, are not.
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

// scoringRequest is the body the service expects: one row of features per prediction.
type scoringRequest struct {
	Data [][]float64 `json:"data"`
}

// Two rows of ten features each, so the service returns two predictions.
var rows = [][]float64{
	{0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
		-0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807},
	{-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
		0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303},
}

const attempts = 4 // one call and up to three retries

// deploymentName is what an azureml-model-deployment header may hold here: visible ASCII, no spaces.
var deploymentName = regexp.MustCompile(`^[\x21-\x7e]+$`)

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
		headers.Set("Authorization", "Bearer "+key)
	}
	if deployment := os.Getenv("SCORING_DEPLOYMENT"); deployment != "" { // an online endpoint's deployment
		if !deploymentName.MatchString(deployment) {
			exit(2, "SCORING_DEPLOYMENT must be a deployment name (visible ASCII, no spaces or line breaks)")
		}
		headers.Set("azureml-model-deployment", deployment)
	}

	var output any
	if file := os.Getenv("SCORING_INPUT_FILE"); file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			exit(2, "cannot read SCORING_INPUT_FILE: %v", err)
		}
		contentType := "application/octet-stream"
		if field := os.Getenv("SCORING_INPUT_FIELD"); field != "" {
			if contentType, data, err = form(field, filepath.Base(file), data); err != nil {
				exit(1, "%v", err)
			}
		}
		answer, err := call(uri, headers, contentType, data, timeout)
		if err != nil {
			exit(1, "%v", err)
		}
		if err := json.Unmarshal(answer, &output); err != nil { // whatever JSON the service answers
			exit(1, "unexpected response from %s: %v", uri, err)
		}
	} else {
		body, err := json.Marshal(scoringRequest{Data: rows})
		if err == nil {
			output, err = score(uri, headers, body, timeout)
		}
		if err != nil {
			exit(1, "%v", err)
		}
	}
	// Encode writes the answer as one line of JSON and a newline.
	if err := json.NewEncoder(os.Stdout).Encode(output); err != nil {
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

// score sends the rows to the service and returns one prediction per row.
func score(uri string, headers http.Header, body []byte, timeout time.Duration) ([]float64, error) {
	answer, err := call(uri, headers, "application/json", body, timeout)
	if err != nil {
		return nil, err
	}
	return predictions(uri, answer)
}

// call POSTs body to the service and returns its successful answer, retrying
// transient failures until the deadline.
func call(uri string, headers http.Header, contentType string, body []byte, timeout time.Duration) ([]byte, error) {
	// The deadline covers every attempt: connecting, sending, reading and waiting.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		resp, respBody, err := post(ctx, uri, headers, contentType, body)
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

// post sends one request, with headers and the Content-Type, and reads the whole answer.
func post(ctx context.Context, uri string, headers http.Header, contentType string,
	body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = headers.Clone()
	req.Header.Set("Content-Type", contentType)
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

// retryDelay is the Retry-After the service asked for (at most 10 s), else 0.5, 1, 2 s.
func retryDelay(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if s, err := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64); err == nil && s >= 0 {
			if s > 10 {
				s = 10
			}
			return time.Duration(s * float64(time.Second))
		}
	}
	return time.Duration(500<<(attempt-1)) * time.Millisecond
}

// predictions decodes the service's answer: a JSON array of numbers.
func predictions(uri string, body []byte) ([]float64, error) {
	var p []float64
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("unexpected response from %s: %v", uri, err)
	}
	if p == nil { // the body was null
		return nil, fmt.Errorf("unexpected response from %s: expected a JSON array of numbers", uri)
	}
	return p, nil
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
