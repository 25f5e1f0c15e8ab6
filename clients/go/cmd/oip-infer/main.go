// Command oip-infer calls a model on an Open Inference Protocol v2 server
// (KServe, NVIDIA Triton, Seldon MLServer) and prints its predictions.
//
// Environment variables:
//
//	SCORING_URI      (required) the model's infer URL, for example
//	                 http://localhost:8080/v2/models/diabetes/infer
//	SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer <key>"
//	SCORING_TIMEOUT  (optional) seconds to wait for the whole call, retries
//	                 included, default 30
//
// It POSTs the two rows with "Content-Type: application/json" as one FP64
// tensor of shape [2, 10], its data flat (row-major):
//
//	{"inputs": [{"name": "input-0", "shape": [2, 10], "datatype": "FP64", "data": [...]}]}
//
// and prints the data of the first output, the predictions, as a JSON array.
//
// Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
// are retried up to 3 times, after the Retry-After the service asks for (at
// most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400 or 404 or a
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
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// tensor is one input or output of an inference request or answer.
type tensor struct {
	Name     string        `json:"name"`
	Shape    []int         `json:"shape"`
	Datatype string        `json:"datatype"`
	Data     []json.Number `json:"data"` // json.Number keeps each number's text as received
}

// rows are two rows of ten features each, so the service returns two predictions.
var rows = [][]float64{
	{0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
		-0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807},
	{-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
		0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303},
}

const attempts = 4 // one call and up to three retries

// retryStatus are the answers of a service that is busy or restarting.
var retryStatus = map[int]bool{429: true, 502: true, 503: true, 504: true}

// client does not follow redirects: a redirected POST would be resent as a GET.
var client = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func main() {
	uri := os.Getenv("SCORING_URI")
	if uri == "" {
		exit(2, "set SCORING_URI to the infer URL of your model: .../v2/models/<name>/infer")
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

	// One tensor of shape [rows, features], its data flat (row-major).
	input := tensor{Name: "input-0", Shape: []int{len(rows), len(rows[0])}, Datatype: "FP64"}
	for _, row := range rows {
		for _, v := range row {
			input.Data = append(input.Data, json.Number(strconv.FormatFloat(v, 'g', -1, 64)))
		}
	}
	data, err := json.Marshal(map[string][]tensor{"inputs": {input}})
	if err != nil {
		exit(1, "%v", err)
	}

	answer, err := call(uri, os.Getenv("SCORING_KEY"), data, timeout)
	if err != nil {
		exit(1, "%v", err)
	}
	predictions, err := firstOutput(answer)
	if err != nil {
		exit(1, "unexpected response from %s: %v", uri, err)
	}
	fmt.Println(predictions)
}

// firstOutput returns the data of the answer's first output, a JSON array of
// numbers, with each number's text as received.
func firstOutput(body []byte) (string, error) {
	var answer struct {
		Outputs []tensor `json:"outputs"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return "", err
	}
	if len(answer.Outputs) == 0 || answer.Outputs[0].Data == nil {
		return "", errors.New(`expected {"outputs": [{"data": [...]}]}`)
	}
	texts := make([]string, len(answer.Outputs[0].Data))
	for i, n := range answer.Outputs[0].Data {
		if f, err := n.Float64(); err != nil || math.IsInf(f, 0) {
			return "", fmt.Errorf("prediction %d is not a double: %s", i+1, n)
		}
		texts[i] = n.String()
	}
	return "[" + strings.Join(texts, ",") + "]", nil
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

// detail returns ": " and the "error" of an inference error body, else the
// body text, on one line and cut to 200 characters; or "" for an empty body.
func detail(body []byte) string {
	var e struct { // e.g. {"error": "Model diabetes-v9 not found"}
		Error string `json:"error"`
	}
	text := string(body)
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		text = e.Error
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
