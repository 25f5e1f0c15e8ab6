#!/usr/bin/env bash
# Call an Azure ML Studio (classic) Request-Response service and print its answer.
#
# Environment variables:
#   SCORING_URI      (required) the request URI from the service's API help page,
#                    for example https://ussouthcentral.services.azureml.net/
#                    workspaces/<ws>/services/<id>/execute?api-version=2.0&details=true
#   SCORING_KEY      (optional) the service's API key; sent as
#                    "Authorization: Bearer <key>"
#   SCORING_TIMEOUT  (optional) seconds the call may take, retries included,
#                    default 30
#   CURL_CA_BUNDLE   (optional, curl's own) a PEM bundle of the CAs to trust
#                    instead of the system's
#
# Sends POST with "Content-Type: application/json" and two rows of the diabetes
# example as the input table "input1":
#   {"Inputs": {"input1": {"ColumnNames": [...], "Values": [[...], [...]]}},
#    "GlobalParameters": {}}
# and prints the service's JSON answer (the scored table) as received, on one line.
#
# Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
# are retried, at most 4 attempts in all, within SCORING_TIMEOUT, after the
# Retry-After the service asks for (seconds, or an HTTP date where GNU date
# reads it; at most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400,
# 401 or a TLS certificate that fails verification, are not.
#
# Needs bash 5, curl 7.75 or later and jq. Exit status: 0 success, 1 the call
# failed, 2 bad configuration.
set -u

ATTEMPTS=4 # one call and up to three retries

# fail STATUS MESSAGE: print the message as one line on stderr and exit.
fail() {
    local message=${2//[$'\r\n']/ }
    printf 'error: %s\n' "$message" >&2
    exit "$1"
}

# visible NAME: exits unless variable NAME, sent in a header, is visible ASCII
# only: a line break would end the header and start another (bash 5 matches
# the range by code point in any locale).
visible() { [[ ${!1:-} != *[!\!-~]* ]] || fail 2 "$1 must be visible ASCII only (no spaces or line breaks)"; }

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

# detail: ": " and the "error.message" of a classic error body, else the body
# text, on one line and cut to 200 characters; nothing for an empty body.
detail() {
    local text
    text=$(jq -r '.error.message? // empty' "$tmp/body" 2>/dev/null | tr -d '\0')
    [[ -n $text ]] || text=$(tr -d '\0' <"$tmp/body")
    text=$(tr -s '[:space:]' ' ' <<<"$text")
    text=${text# } text=${text% }
    [[ -z $text ]] || printf ': %s' "${text:0:200}"
}

# retry_delay ATTEMPT: microseconds to wait before the next attempt, in $delay:
# the Retry-After of the last answer (the dumped headers hold every answer's, a
# 100 Continue's too), whole seconds or an HTTP date such as "Wed, 21 Oct 2026
# 07:28:00 GMT" (read by GNU date -d; where date cannot, it counts as absent),
# kept within 0..10 s; else (none, "nan", "-3", "1.5") 0.5, 1, then 2 s.
retry_delay() {
    local value when
    value=$(awk '/^HTTP\//{v=""} tolower($0) ~ /^retry-after:/{v=substr($0, 13); gsub(/^[ \t]+|[ \t\r]+$/, "", v)}
        END{print v}' "$tmp/response")
    if [[ $value =~ ^[0-9]+$ ]]; then
        delay=$((${#value} > 8 ? 10000000 : 10#$value * 1000000))
    elif [[ $value =~ ^[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ GMT$ ]] &&
        when=$(date -d "$value" +%s 2>/dev/null); then
        delay=$((when * 1000000 - $(now)))
    else
        delay=$((500000 << ($1 - 1)))
    fi
    delay=$((delay < 0 ? 0 : delay < 10000000 ? delay : 10000000))
}

# compact: the JSON answer in $tmp/body as received, on one line: the blanks
# between tokens dropped, nothing else touched (jq would re-write numbers, 1e23
# as 1E+23). A JSON text breaks lines only between tokens, so each line is done
# alone: its strings kept as they are, the blanks around them dropped.
compact() {
    LC_ALL=C awk '{
        while (match($0, /"([^"\\]|\\.)*"/)) {
            head = substr($0, 1, RSTART - 1); gsub(/[ \t\r]+/, "", head)
            printf "%s%s", head, substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH)
        }
        gsub(/[ \t\r]+/, ""); printf "%s", $0
    } END { print "" }' "$tmp/body"
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
        [[ -z $error ]] || : >"$tmp/response" # no answer: no Retry-After
        retry_delay "$attempt"
        ((attempt < ATTEMPTS && $(now) + delay < deadline)) || break
        sleep "$(seconds "$delay")"
    done
    [[ -z $error ]] || fail 1 "$error"
    [[ $status == 2?? ]] || fail 1 "HTTP $status$(reason)$(detail)"
}

uri=${SCORING_URI:-}
[[ -n $uri ]] || fail 2 "set SCORING_URI to the request URI of your web service"
[[ ${uri,,} =~ ^https?://[^/?#]+ ]] || fail 2 "SCORING_URI must be an http:// or https:// URL, not '$uri'"
timeout=${SCORING_TIMEOUT:-30}
{ micros "$timeout" && ((us > 0 && us <= 86400000000)); } ||
    fail 2 "SCORING_TIMEOUT must be 0 < seconds <= 86400, not '$timeout'"
deadline=$(($(now) + us))
visible SCORING_KEY
command -v jq >/dev/null || fail 2 "jq is not installed (apt-get install jq, or https://jqlang.org)"

# Request headers go to curl in a file, so the key is not on its command line.
tmp=$(mktemp -d) || fail 1 "cannot make a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
echo 'Content-Type: application/json' >"$tmp/headers"
[[ -z ${SCORING_KEY:-} ]] || printf 'Authorization: Bearer %s\n' "$SCORING_KEY" >>"$tmp/headers"

# Two rows of ten features each, so the service scores two rows.
cat >"$tmp/request" <<'EOF'
{"Inputs": {"input1": {
  "ColumnNames": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
  "Values": [
    [0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
     -0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807],
    [-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
     0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303]
  ]
}},
 "GlobalParameters": {}}
EOF
call --data-binary "@$tmp/request"

invalid=$(jq -e -s 'length == 1' "$tmp/body" 2>&1 >/dev/null) ||
    fail 1 "unexpected response from $uri: ${invalid:-expected one JSON value}"
compact
