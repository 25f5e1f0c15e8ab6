# Go SDK image from Debian packages only (registry-free stand-in for golang:*).
# Debian bookworm's golang-go is Go 1.19.x: a go.mod whose `go` line asks for a
# newer release does not build here, and there is no GOTOOLCHAIN download.
#
# Paths: go -> /usr/bin/go (GOROOT /usr/lib/go-1.19). GOPATH=/go as in the
# official image (mode 1777; module cache /go/pkg/mod), GOCACHE=/go/.cache/go-build
# so any uid can build. CGO_ENABLED=0: no C compiler is installed (the official
# image has gcc); pure-Go programs (net/http, encoding/json, ...) build fine
# and come out static. Go reads the system store /etc/ssl/certs/ca-certificates.crt.
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/go.Dockerfile -t scoring-kit/debian-go:bookworm CONTEXT
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
    apt-get install -y --no-install-recommends golang-go; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /go/bin /go/.cache; chmod -R 1777 /go; \
    go version
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    GOPATH=/go \
    GOCACHE=/go/.cache/go-build \
    CGO_ENABLED=0 \
    PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
CMD ["bash"]
