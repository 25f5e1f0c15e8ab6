# Stand-in for the official golang:<release>-trixie image (docker-library/golang), for machines that reach no
# container registry: the debian profile's Go (Debian's golang-$GO_VERSION-go) laid out like the official image.
# Same tag and layout, not the same bits: Debian's build of Go, no gcc (the official image has gcc for cgo).
#
# The official layout (its Dockerfile): Go in /usr/local/go (here a link to Debian's GOROOT), GOTOOLCHAIN=local,
# GOPATH=/go (src, bin; mode 1777), PATH=/go/bin:/usr/local/go/bin:<Debian's>, WORKDIR /go, user root, CMD bash.
# GOCACHE and CGO_ENABLED, which the debian image sets and the official one does not, are emptied (Go then uses
# its defaults, as in the official image). standins.toml lists what the harness checks.
#
# Built by `python -m harness images standins` (BASE, required = the debian profile's go image, built without extra CAs
# as an official image comes; STANDS_FOR = the official tag of images.toml).
ARG BASE
FROM ${BASE}
ARG STANDS_FOR
ARG GO_VERSION=1.26
LABEL scoring-kit.standin="${STANDS_FOR} is a stand-in built here from Debian's golang-${GO_VERSION}-go (harness/images/standins/go.Dockerfile)"
RUN set -eu; \
    test -n "${STANDS_FOR}" || { echo "standin: --build-arg STANDS_FOR=<official tag> is required" >&2; exit 1; }; \
    ln -s "/usr/lib/go-${GO_VERSION}" /usr/local/go; \
    mkdir -p /go/src /go/bin; chmod -R 1777 /go; \
    /usr/local/go/bin/go version | grep "go${GO_VERSION}\."
ENV GOLANG_VERSION=${GO_VERSION} \
    GOTOOLCHAIN=local \
    GOPATH=/go \
    GOCACHE= \
    CGO_ENABLED= \
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
CMD ["bash"]
