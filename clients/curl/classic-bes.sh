#!/usr/bin/env bash
# Run an Azure ML Studio (classic) Batch Execution job and print its result.
#
# Environment variables:
#   SCORING_URI      (required) the jobs URI, for example
#                    https://ussouthcentral.services.azureml.net/
#                    workspaces/<ws>/services/<id>/jobs?api-version=2.0
#   SCORING_KEY      (optional) the service's API key; sent as
#                    "Authorization: Bearer <key>"
#   SCORING_POLL_INTERVAL (optional) seconds between status checks, default 1
#   SCORING_TIMEOUT  (optional) seconds the whole run may take, retries and
#                    polling included, default 300
#   CURL_CA_BUNDLE   (optional, curl's own) a PEM bundle of the CAs to trust
#                    instead of the system's
#
# Sends:
#   1. POST <jobs URI> with "Content-Type: application/json" and two rows of the
#      diabetes example as the input table "input1"; the answer is the job id,
#      a JSON string.
#   2. POST <jobs URI path>/<id>/start?api-version=2.0 with no body.
#   3. GET <jobs URI path>/<id>?api-version=2.0 every SCORING_POLL_INTERVAL
#      seconds until the job's StatusCode is Finished, Failed or Cancelled.
# Prints the finished job's status document (with its Results) as received, on
# one line. A job that ends Failed or Cancelled is reported with its Details.
#
# Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
# of each request are retried, at most 4 attempts in all, within
# SCORING_TIMEOUT, after the Retry-After the service asks for (seconds, or an
# HTTP date where GNU date reads it; at most 10 s) or else 0.5, 1, then 2 s;
# but the submit, which creates a job, only where the service surely did not
# get it (refused, 429, 503): after a reset, a 502/504 or a timeout the job
# may exist, so it is reported, not submitted twice. A 409 to a retried start
# means the first start arrived: the job runs. Other errors, such as 400, 401
# or a TLS certificate that fails verification, are not retried.
#
# Needs bash 5, curl 7.75 or later and jq. Exit status: 0 the job finished,
# 1 a call or the job failed, 2 bad configuration.
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

# call URL ROLE CURL-OPTIONS...: send one request, retrying transient failures
# while time is left. ROLE submit (it creates a job): retried only when the
# service surely did not act on it (connection refused, 429, 503), never after
# a reset, a 502/504 or a timeout, when the job may exist. ROLE start: a 409 to
# a retry means the first start arrived, so it counts as done. ROLE poll: any
# transient failure retried. Leaves a 2xx answer in $tmp/body; exits with an
# error otherwise.
call() {
    local url=$1 role=$2 attempt out rc status message error delay left surely unsure=''
    shift 2
    [[ $role != submit ]] || unsure=' (the job may have been created)'
    for ((attempt = 1; ; attempt++)); do
        left=$((deadline - $(now)))
        ((left > 0)) || fail 1 "no response from $url within $timeout s"
        # -q: no ~/.curlrc; --globoff: [] and {} in the URL are not patterns.
        # --max-time bounds the whole attempt: connecting, sending and reading
        # (LC_ALL=C: curl reads its decimal point the C way in any locale).
        out=$(LC_ALL=C curl -q --silent --globoff --max-time "$(seconds "$left")" \
            --header "@$tmp/headers" "$@" --output "$tmp/body" \
            --dump-header "$tmp/response" --write-out '%{http_code} %{errormsg}' "$url" 2>/dev/null)
        rc=$? error='' surely=yes
        read -r status message <<<"$out"
        case $rc in
        0) ;;
        28) fail 1 "no response from $url within $timeout s$unsure" ;;
        6 | 7) error="cannot reach $url: $message" ;; # not resolved or refused: never arrived
        52 | 55 | 56) error="cannot reach $url: $message" surely=no ;; # reset: it may have arrived
        *) fail 1 "cannot reach $url: ${message:-curl exit code $rc}" ;; # e.g. 60, a bad certificate
        esac
        if [[ -z $error ]]; then
            case $status in 429 | 503) ;; 502 | 504) surely=no ;; *) break ;; esac
        fi
        [[ $role != submit || $surely == yes ]] || break
        [[ -z $error ]] || : >"$tmp/response" # no answer: no Retry-After
        retry_delay "$attempt"
        ((attempt < ATTEMPTS && $(now) + delay < deadline)) || break
        sleep "$(seconds "$delay")"
    done
    [[ $surely == no ]] || unsure=''
    [[ -z $error ]] || fail 1 "$error$unsure"
    # A 409 to a retried start: the first start arrived (its answer was lost).
    [[ $role == start && $status == 409 ]] && ((attempt > 1)) && return
    [[ $status == 2?? ]] || fail 1 "HTTP $status$(reason)$(detail)$unsure"
}

# setting NAME DEFAULT: the seconds in variable NAME as microseconds in $us,
# and its text in $text; exits if it is not a number in (0, 86400].
setting() {
    text=${!1:-$2}
    { micros "$text" && ((us > 0 && us <= 86400000000)); } || fail 2 "$1 must be 0 < seconds <= 86400, not '$text'"
}

uri=${SCORING_URI:-}
[[ -n $uri ]] || fail 2 "set SCORING_URI to the jobs URI of your web service"
[[ ${uri,,} =~ ^https?://[^/?#]+ ]] || fail 2 "SCORING_URI must be an http:// or https:// URL, not '$uri'"
setting SCORING_TIMEOUT 300
timeout=$text deadline=$(($(now) + us))
setting SCORING_POLL_INTERVAL 1
interval=$us
visible SCORING_KEY
command -v jq >/dev/null || fail 2 "jq is not installed (apt-get install jq, or https://jqlang.org)"

# Request headers go to curl in a file, so the key is not on its command line.
tmp=$(mktemp -d) || fail 1 "cannot make a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
: >"$tmp/headers"
[[ -z ${SCORING_KEY:-} ]] || printf 'Authorization: Bearer %s\n' "$SCORING_KEY" >"$tmp/headers"

# 1. Submit two rows of ten features each; the answer is the job id.
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
call "$uri" submit --header 'Content-Type: application/json' --data-binary "@$tmp/request"
jq -e -s 'length == 1 and (.[0] | type == "string" and length > 0)' "$tmp/body" >/dev/null 2>&1 ||
    fail 1 "unexpected response from $uri: expected the job id, a JSON string"
job=$(jq -r . "$tmp/body")

# The job's URLs: its id (escaped by jq's @uri) under the jobs path, with the
# same query (?api-version=2.0), without a #fragment.
jobs=${uri%%#*}
query=${jobs#"${jobs%%\?*}"} jobs=${jobs%%\?*}
job_url=${jobs%/}/$(jq -r @uri "$tmp/body")

# 2. Start: a POST with an empty body (a 409 to a retry: started already).
call "$job_url/start$query" start --request POST --header 'Content-Length: 0'

# 3. Poll until the job is over, or until the deadline.
while :; do
    call "$job_url$query" poll
    code=$(jq -r '.StatusCode? | strings' "$tmp/body" 2>/dev/null)
    case $code in
    Finished) break ;;
    Failed | Cancelled)
        details=$(jq -r '.Details // "no details"' "$tmp/body" | tr -s '[:space:]' ' ')
        fail 1 "job $job $code: ${details% }"
        ;;
    NotStarted | Running) ;;
    '') fail 1 "unexpected response from $job_url$query: expected a job status with a StatusCode" ;;
    *) fail 1 "unexpected response from $job_url$query: StatusCode '$code'" ;;
    esac
    (($(now) + interval < deadline)) || fail 1 "job $job did not finish within $timeout s"
    sleep "$(seconds "$interval")"
done

# {"StatusCode": "Finished", "Results": {"output1": {...}}, "Details": null}
compact
