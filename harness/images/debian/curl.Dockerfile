# curl image from Debian packages only, for the curl (shell) sample: bash, curl
# and jq. There is no "curl SDK" image; the official profile uses
# mcr.microsoft.com/devcontainers/base (Debian with bash, curl and jq), this is
# the registry-free stand-in. Debian bookworm: bash 5.2, curl 7.88, jq 1.6;
# trixie: curl 8.14, jq 1.7 (the scripts need bash 5, curl 7.75+ and any jq).
#
# Trust: curl reads the system store /etc/ssl/certs/ca-certificates.crt (with
# the extra CAs) unless CURL_CA_BUNDLE names another bundle.
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/curl.Dockerfile -t scoring-kit/debian-curl:bookworm CONTEXT
ARG BASE=scoring-kit/debian-base:trixie
FROM ${BASE}

# >>> extra-ca: the build context holds extra-ca/ (zero or more PEM *.crt)
# and extra-ca.sh, which makes the system store trust them (../README.md).
COPY extra-ca/ /tmp/extra-ca/
COPY extra-ca.sh /tmp/extra-ca.sh

# One RUN for all installs, the extra CAs first.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    sh /tmp/extra-ca.sh; rm -f /tmp/extra-ca.sh; \
    apt-get install -y --no-install-recommends curl jq; \
    rm -rf /var/lib/apt/lists/*; \
    bash --version | head -n 1; curl --version | head -n 1; jq --version
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CMD ["bash"]
