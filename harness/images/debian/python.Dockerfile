# Python image from Debian packages only (registry-free stand-in for python:3.*-slim):
# Python 3.11 with venv and pip; `python` is python3 (python-is-python3).
# No C compiler: packages need wheels (requests, aiohttp, pyjwt have them).
#
# Trust: Debian's python3 ssl module and Debian's pip use the system store;
# PIP_CERT / REQUESTS_CA_BUNDLE / SSL_CERT_FILE point there as well, so pip in a
# venv, requests and aiohttp (ssl.create_default_context) all trust the extra CAs.
# PIP_BREAK_SYSTEM_PACKAGES=1 lets a plain `pip install` (as in the official image)
# go to /usr/local/lib/python3.11/dist-packages instead of failing with
# "externally-managed-environment"; a venv (python3 -m venv /opt/venv) works too.
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/python.Dockerfile -t scoring-kit/debian-python:bookworm CONTEXT
ARG BASE=scoring-kit/debian-base:bookworm
FROM ${BASE}

# >>> extra-ca (this block is the same in every Dockerfile of this folder)
COPY extra-ca/ /tmp/extra-ca/

# One RUN for all installs. First ca-certificates and the extra CAs: each
# extra-ca/*.crt (PEM, may hold several certificates, e.g. a whole bundle) is
# split into one certificate per file under /usr/local/share/ca-certificates/
# extra-ca/, skipping certificates the system store already has, and activated
# with update-ca-certificates. Only then the toolchain is installed, so its own
# trust stores (Java's cacerts via ca-certificates-java, Mono's via
# ca-certificates-mono) are built from the store that includes them.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    d=/usr/local/share/ca-certificates/extra-ca; mkdir -p "$d"; \
    for f in /tmp/extra-ca/*.crt; do \
        [ -f "$f" ] || continue; \
        awk -v d="$d" -v b="$(basename "$f" .crt)" -v sys=/etc/ssl/certs/ca-certificates.crt ' \
            /-----BEGIN CERTIFICATE-----/ { inc = 1; pem = ""; body = "" } \
            inc { pem = pem $0 "\n"; if ($0 !~ /-----/) { l = $0; gsub(/[ \t\r]/, "", l); body = body l } } \
            inc && /-----END CERTIFICATE-----/ { inc = 0; \
                if (FILENAME == sys) { seen[body] = 1; next } \
                n++; if (body in seen) next; seen[body] = 1; k++; \
                o = sprintf("%s/%s-%03d.crt", d, b, n); printf "%s", pem > o; close(o) } \
            END { if (!n) { print "extra-ca: no PEM certificate in " FILENAME > "/dev/stderr"; exit 1 } \
                  printf "extra-ca: %s: %d certificate(s), %d new\n", FILENAME, n, k }' /etc/ssl/certs/ca-certificates.crt "$f"; \
    done; \
    rm -rf /tmp/extra-ca; \
    update-ca-certificates; \
    apt-get install -y --no-install-recommends python3 python3-venv python3-pip python-is-python3; \
    rm -rf /var/lib/apt/lists/*; \
    python --version; pip --version
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_BREAK_SYSTEM_PACKAGES=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1
CMD ["python3"]
