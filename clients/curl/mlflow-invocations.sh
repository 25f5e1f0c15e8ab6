#!/usr/bin/env bash
# Call an MLflow model's scoring server (mlflow models serve) or a Databricks
# Model Serving endpoint and print the predictions.
#
# Environment variables:
#   SCORING_URI      (required) the invocations URL, for example
#                    http://127.0.0.1:5000/invocations or
#                    https://<workspace>/serving-endpoints/<name>/invocations
#   SCORING_KEY      (optional) a token (Databricks: a personal access token or
#                    an OAuth token); sent as "Authorization: Bearer <token>"
#   SCORING_TIMEOUT  (optional) seconds the call may take, retries included,
#                    default 30
#   CURL_CA_BUNDLE   (optional, curl's own) a PEM bundle of the CAs to trust
#                    instead of the system's
#
# Sends POST with exactly "Content-Type: application/json" and two rows of the
# diabetes example as a pandas "split" frame, with the column names of the
# model's signature:
#   {"dataframe_split": {"columns": ["age", ...], "data": [[...], [...]]}}
# and prints the "predictions" of the answer {"predictions": [...]} on one line.
#
# Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
# are retried up to 3 times, after the Retry-After the service asks for (at
# most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400, 401 or a TLS
# certificate that fails verification, are not.
#
# Needs bash 5, curl 7.75 or later and jq 1.7 or later (which keeps all 17
# digits of a double). Exit status: 0 success, 1 the call failed, 2 bad
# configuration.
set -u

ATTEMPTS=4 # one call and up to three retries

# fail STATUS MESSAGE: print the message as one line on stderr and exit.
fail() {
    local message=${2//[$'\r\n']/ }
    printf 'error: %s\n' "$message" >&2
    exit "$1"
}

# micros TEXT: a decimal number of seconds (2, 0.5) as microseconds in $us.
micros() {
    [[ $1 =~ ^([0-9]{0,9})(\.([0-9]*))?$ && $1 == *[0-9]* ]] || return 1
    local fraction=${BASH_REMATCH[3]}000000
    us=$((10#${BASH_REMATCH[1]:-0} * 1000000 + 10#${fraction:0:6}))
}

# seconds US: microseconds as decimal seconds, for curl --max-time and sleep.
seconds() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }

# now: the time in microseconds.
now() { echo "${EPOCHREALTIME/[.,]/}"; }

# detail: ": " and the "message" of an MLflow or Databricks error body, else
# the body text (MLflow answers a Content-Type it refuses in plain text), on
# one line; nothing for an empty body.
detail() {
    local text
    text=$(jq -r '.message? // empty' "$tmp/body" 2>/dev/null | tr -d '\0')
    [[ -n $text ]] || text=$(tr -d '\0' <"$tmp/body")
    text=$(tr -s '[:space:]' ' ' <<<"$text")
    text=${text# } text=${text% }
    [[ -z $text ]] || printf ': %s' "$text"
}

# retry_after: the Retry-After of the last answer, in seconds, if it has one
# (the dumped headers hold every answer's, a 100 Continue's too).
retry_after() {
    awk -F: '/^HTTP\//{v=""} tolower($1)=="retry-after"{v=$2; gsub(/[ \t\r]/,"",v)} END{print v}' "$tmp/response"
}

# reason: " " and the reason phrase of the last answer ("Service Unavailable"),
# if it has one (HTTP/2 has none).
reason() {
    awk '/^HTTP\//{r=$0; sub(/\r$/,"",r); sub(/^[^ ]+ +[0-9]+ */,"",r)} END{if (r != "") printf " %s", r}' "$tmp/response"
}

# call CURL-OPTIONS...: POST to the service, retrying transient failures while
# time is left. Leaves a 2xx answer in $tmp/body; exits with an error otherwise.
call() {
    local attempt out rc status message error delay left
    for ((attempt = 1; ; attempt++)); do
        left=$((deadline - $(now)))
        ((left > 0)) || fail 1 "no response from $uri within $timeout s"
        # -q: no ~/.curlrc; --globoff: [] and {} in the URI are not patterns.
        # --max-time bounds the whole attempt: connecting, sending and reading
        # (LC_ALL=C: curl reads its decimal point the C way in any locale).
        out=$(LC_ALL=C curl -q --silent --globoff --max-time "$(seconds "$left")" \
            --header "@$tmp/headers" "$@" --output "$tmp/body" \
            --dump-header "$tmp/response" --write-out '%{http_code} %{errormsg}' "$uri" 2>/dev/null)
        rc=$? error=''
        read -r status message <<<"$out"
        case $rc in
        0) ;;
        28) fail 1 "no response from $uri within $timeout s" ;;
        6 | 7 | 52 | 55 | 56) error="cannot reach $uri: $message" ;; # refused, reset: worth another try
        *) fail 1 "cannot reach $uri: ${message:-curl exit code $rc}" ;; # e.g. 60, a bad certificate
        esac
        if [[ -z $error ]]; then
            case $status in 429 | 502 | 503 | 504) ;; *) break ;; esac
        fi
        if [[ -z $error ]] && micros "$(retry_after)"; then
            delay=$((us < 10000000 ? us : 10000000)) # as the service asks, at most 10 s
        else
            delay=$((500000 << (attempt - 1))) # 0.5, 1, then 2 s
        fi
        ((attempt < ATTEMPTS && $(now) + delay < deadline)) || break
        sleep "$(seconds "$delay")"
    done
    [[ -z $error ]] || fail 1 "$error"
    [[ $status == 2?? ]] || fail 1 "HTTP $status$(reason)$(detail)"
}

uri=${SCORING_URI:-}
[[ -n $uri ]] || fail 2 "set SCORING_URI to the invocations URL of your model"
[[ ${uri,,} =~ ^https?://[^/?#]+ ]] || fail 2 "SCORING_URI must be an http:// or https:// URL, not '$uri'"
timeout=${SCORING_TIMEOUT:-30}
{ micros "$timeout" && ((us > 0 && us <= 86400000000)); } ||
    fail 2 "SCORING_TIMEOUT must be 0 < seconds <= 86400, not '$timeout'"
deadline=$(($(now) + us))
command -v jq >/dev/null || fail 2 "jq is not installed (apt-get install jq, or https://jqlang.org)"

# Request headers go to curl in a file, so the key is not on its command line.
tmp=$(mktemp -d) || fail 1 "cannot make a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
echo 'Content-Type: application/json' >"$tmp/headers"
[[ -z ${SCORING_KEY:-} ]] || printf 'Authorization: Bearer %s\n' "$SCORING_KEY" >>"$tmp/headers"

# Two rows of ten features each, named as the model's signature names them, so
# two predictions come back.
cat >"$tmp/request" <<'EOF'
{"dataframe_split": {
  "columns": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
  "data": [
    [0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
     -0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807],
    [-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
     0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303]
  ]
}}
EOF
call --data-binary "@$tmp/request"

# {"predictions": [...]}: jq 1.7 writes each number as the shortest text of its double.
predictions=$(jq -c -e '.predictions | arrays' "$tmp/body" 2>/dev/null) ||
    fail 1 "unexpected response from $uri: no \"predictions\" array"
printf '%s\n' "$predictions"
