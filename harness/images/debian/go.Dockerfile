# Go SDK image from Debian packages only (registry-free stand-in for golang:*).
# Go $GO_VERSION from Debian 13's trixie-backports (golang-$GO_VERSION-go), not
# trixie's own golang-go: that is Go 1.24, which upstream stopped supporting on
# 2026-02-10 (harness/support.toml). Backports are on the same Debian mirror.
# A go.mod whose `go` line asks for a newer release does not build here, and
# there is no GOTOOLCHAIN download.
#
# Paths: go, gofmt -> /usr/local/bin (links into /usr/lib/go-$GO_VERSION/bin,
# which is GOROOT). GOPATH=/go as in the
# official image (mode 1777; module cache /go/pkg/mod), GOCACHE=/go/.cache/go-build
# so any uid can build. CGO_ENABLED=0: no C compiler is installed (the official
# image has gcc); pure-Go programs (net/http, encoding/json, ...) build fine
# and come out static. Go reads the system store /etc/ssl/certs/ca-certificates.crt.
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/go.Dockerfile -t scoring-kit/debian-go:trixie CONTEXT
ARG BASE=scoring-kit/debian-base:trixie
FROM ${BASE}
# The Go release (a pin: harness/support.toml says until when it is supported).
ARG GO_VERSION=1.26

# >>> extra-ca: the build context holds extra-ca/ (zero or more PEM *.crt)
# and extra-ca.sh, which makes the system store trust them (../README.md).
COPY extra-ca/ /tmp/extra-ca/
COPY extra-ca.sh /tmp/extra-ca.sh

# One RUN for all installs: the extra CAs first, so the toolchain's own trust
# stores (Java's cacerts via ca-certificates-java, Mono's via
# ca-certificates-mono) are built from a store that includes them.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    sh /tmp/extra-ca.sh; rm -f /tmp/extra-ca.sh; \
    . /etc/os-release; \
    printf 'Types: deb\nURIs: %s\nSuites: %s-backports\nComponents: main\nSigned-By: %s\n' \
        "$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources | head -n 1)" "$VERSION_CODENAME" \
        /usr/share/keyrings/debian-archive-keyring.gpg > /etc/apt/sources.list.d/backports.sources; \
    apt-get update; \
    apt-get install -y --no-install-recommends "golang-$GO_VERSION-go"; \
    rm -rf /var/lib/apt/lists/*; \
    ln -s "/usr/lib/go-$GO_VERSION/bin/go" "/usr/lib/go-$GO_VERSION/bin/gofmt" /usr/local/bin/; \
    mkdir -p /go/bin /go/.cache; chmod -R 1777 /go; \
    go version | grep "go$GO_VERSION\." || { echo "go: not Go $GO_VERSION" >&2; exit 1; }
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    GOPATH=/go \
    GOCACHE=/go/.cache/go-build \
    CGO_ENABLED=0 \
    PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
CMD ["bash"]
