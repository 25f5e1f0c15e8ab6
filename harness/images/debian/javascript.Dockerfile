# Node.js image from Debian packages only (registry-free stand-in for node:*-slim):
# Debian 13's nodejs (Node.js $NODEJS_VERSION) and npm; the build fails if node is
# another major release than the pin. It needs a Debian 13 "trixie" BASE:
# Debian 12 "bookworm" has Node.js 18, whose fetch is experimental (it prints an
# ExperimentalWarning on stderr, which breaks the clients' one-line error rule).
# Node.js 20 reached its end of life on 2026-04-30; it is what Debian 13 has.
#
# Trust: Debian's nodejs reads the system store (/etc/ssl/certs, which holds the
# extra CAs) instead of Node's own copy of Mozilla's (checked: without that
# folder, npm's registry failed with SELF_SIGNED_CERT_IN_CHAIN here), so node and
# npm need no setting; NODE_EXTRA_CA_CERTS adds a CA for one run (the tls scenarios).
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/javascript.Dockerfile -t scoring-kit/debian-javascript:trixie CONTEXT
ARG BASE=scoring-kit/debian-base:trixie
FROM ${BASE}
# The Node.js major release (Debian 13's nodejs).
ARG NODEJS_VERSION=20

# >>> extra-ca: the build context holds extra-ca/ (zero or more PEM *.crt)
# and extra-ca.sh, which makes the system store trust them (../README.md).
COPY extra-ca/ /tmp/extra-ca/
COPY extra-ca.sh /tmp/extra-ca.sh

# One RUN for all installs: the extra CAs first, then the toolchain.
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    sh /tmp/extra-ca.sh; rm -f /tmp/extra-ca.sh; \
    apt-get install -y --no-install-recommends nodejs npm; \
    rm -rf /var/lib/apt/lists/*; \
    test "$(node -p 'process.versions.node.split(".")[0]')" = "$NODEJS_VERSION" \
        || { echo "nodejs: Node.js $(node --version), not $NODEJS_VERSION: BASE must be Debian 13 (trixie)" >&2; exit 1; }; \
    node --version; npm --version
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
CMD ["node"]
