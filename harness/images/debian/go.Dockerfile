# Go SDK image from Debian packages only (registry-free stand-in for golang:*).
# Debian bookworm's golang-go is Go 1.19: a go.mod whose `go` line asks for a
# newer release will not build here.
#
# Build context: any folder holding `extra-ca/` (zero or more PEM *.crt files,
# each may hold several certificates). Example:
#   docker build -f harness/images/debian/go.Dockerfile -t scoring-kit/debian-go:bookworm CONTEXT
#
# Paths: go -> /usr/bin/go (GOROOT /usr/lib/go-1.19); GOPATH /go (mode 1777,
# module cache /go/pkg/mod); GOCACHE /go/.cache/go-build.
# CGO_ENABLED=0: no C compiler is installed (the official image has gcc); pure-Go
# builds (net/http, encoding/json, ...) work and give static binaries.
ARG BASE=scoring-kit/debian-base:bookworm
FROM ${BASE}

COPY extra-ca/ /tmp/extra-ca/

# One RUN: ca-certificates + the extra CAs first (split into one certificate
# per file, activated with update-ca-certificates), then the toolchain.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    d=/usr/local/share/ca-certificates/extra-ca; mkdir -p "$d"; \
    for f in /tmp/extra-ca/*.crt; do \
        [ -f "$f" ] || continue; \
        awk -v d="$d" -v b="$(basename "$f" .crt)" -v f="$f" ' \
            /-----BEGIN CERTIFICATE-----/ { n++; o = sprintf("%s/%s-%03d.crt", d, b, n) } \
            o != "" { print > o } \
            /-----END CERTIFICATE-----/ { close(o); o = "" } \
            END { if (!n) { print "extra-ca: no PEM certificate in " f > "/dev/stderr"; exit 1 } }' "$f"; \
    done; \
    rm -rf /tmp/extra-ca; \
    update-ca-certificates; \
    apt-get install -y --no-install-recommends golang-go; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /go/bin /go/.cache; chmod -R 1777 /go; \
    go version

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    GOPATH=/go \
    GOCACHE=/go/.cache/go-build \
    CGO_ENABLED=0 \
    PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
CMD ["bash"]
