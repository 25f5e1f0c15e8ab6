// Command scoring-client calls a model deployed as a web service and prints
// its predictions.
//
// Environment variables:
//
//	SCORING_URI      (required) scoring URI of the web service, for example
//	                 http://127.0.0.1:5001/api/v1/service/myservice/score
//	SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer <key>"
//	SCORING_TIMEOUT  (optional) seconds to wait for the whole call, default 30
//
// Exit status: 0 success, 1 the call failed, 2 bad configuration.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
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

	predictions, err := score(uri, os.Getenv("SCORING_KEY"), time.Duration(seconds*float64(time.Second)))
	if err != nil {
		exit(1, "%v", err)
	}
	// Encode writes the predictions as one JSON array and a newline.
	if err := json.NewEncoder(os.Stdout).Encode(predictions); err != nil {
		exit(1, "%v", err)
	}
}

// score sends the rows to the service in one POST and returns one prediction per row.
func score(uri, key string, timeout time.Duration) ([]float64, error) {
	body, err := json.Marshal(scoringRequest{Data: rows})
	if err != nil {
		return nil, err
	}
	// The deadline covers connecting, sending and reading the whole response.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}

	resp, err := client.Do(req)
	if err == nil {
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("no response from %s within %g s", uri, timeout.Seconds())
		}
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // drop the `Post "<uri>":` prefix
		}
		return nil, fmt.Errorf("cannot reach %s: %v", uri, err)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("HTTP %s%s", resp.Status, detail(body))
	}
	var predictions []float64
	if err := json.Unmarshal(body, &predictions); err != nil {
		return nil, fmt.Errorf("unexpected response from %s: %v", uri, err)
	}
	if predictions == nil { // the body was null
		return nil, fmt.Errorf("unexpected response from %s: expected a JSON array of numbers", uri)
	}
	return predictions, nil
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

func exit(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", args...)
	os.Exit(code)
}
