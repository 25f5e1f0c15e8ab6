#!/usr/bin/env bash
# Install what this project needs on a fresh Debian/Ubuntu machine, then make
# sure a Docker engine runs.  Safe to run again: it installs only what is missing.
#
#   scripts/setup.sh
#
# - nox (which installs the Python packages of each session itself);
# - the local toolchains used by `--backend local` and by the tests: Mono's mcs
#   with Newtonsoft.Json (C#), Go (>= 1.24, checked), a JDK >= 21 and Maven; Chromium
#   (headless, for a test); cargo, pkg-config and libssl-dev (the docs check's Rust samples).
#   The Java client targets release 21 (clients/java/pom.xml):
#   a JDK >= 21 (JAVA_HOME's if it is one, else the oldest such in /usr/lib/jvm, which
#   proves the floor (a JDK 21 when there is one), else
#   Debian's openjdk-21-jdk-headless where the release has it) becomes the machine's
#   default java/javac/keytool/jar (update-alternatives), so Maven and the harness's
#   `java` both use it without JAVA_HOME;
# - actionlint (from the Go module proxy), which the tests run on the CI workflow;
# - Docker: scripts/docker-up.sh (docker.io, debootstrap, dockerd).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

apt_packages=()
need() {  # need COMMAND DEBIAN-PACKAGE...: install the packages when COMMAND is missing
    command -v "$1" >/dev/null 2>&1 || apt_packages+=("${@:2}")
}
need mcs mono-mcs libmono-system-net-http4.0-cil libnewtonsoft-json-cil-dev
need cert-sync ca-certificates-mono  # Mono's certificate store: the C# client trusts the tls scenarios' CA
[ -f /usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll ] || apt_packages+=(libnewtonsoft-json-cil-dev)
need go golang-go
need javac default-jdk-headless
need mvn maven
for tool in curl jq shellcheck; do need "$tool" "$tool"; done  # the curl sample, and its lint
need npm nodejs npm  # JavaScript: Node.js and npm (the build and the lint step run npm ci)
need cargo-clippy rustc cargo rust-clippy rustfmt  # Rust + its lint tools: Debian 13 or later (rustc 1.85), or rustup
# Rust samples of documentation pages (the docs check): the OpenSSL headers that
# reqwest's default TLS builds against.
need pkg-config pkg-config
[ -f /usr/include/openssl/ssl.h ] || apt_packages+=(libssl-dev)
need chromium chromium  # the tests render the comparison report in it
if [ ${#apt_packages[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: missing ${apt_packages[*]}; install them (as root: apt-get install ...)" >&2
        exit 1
    fi
    echo "setup: installing ${apt_packages[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

# The feature release of the JDK in folder $1 (from its release file), or nothing.
jdk_release() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null || true; }
# A JDK >= $1: JAVA_HOME's, else the default javac's, else the oldest such in /usr/lib/jvm.
find_jdk() {
    local d best="" best_v=999 v
    for d in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v javac)" 2>/dev/null)")")"; do
        v=$(jdk_release "$d"); [ -x "$d/bin/javac" ] && [ "${v:-0}" -ge "$1" ] && { echo "$d"; return; }
    done
    for d in /usr/lib/jvm/*/; do
        d=${d%/}; [ -L "$d" ] && continue
        v=$(jdk_release "$d"); [ -x "$d/bin/javac" ] && [ "${v:-0}" -ge "$1" ] && [ "$v" -lt "$best_v" ] && { best=$d; best_v=$v; }
    done
    if [ -n "$best" ]; then echo "$best"; fi
}
jdk=$(find_jdk 21)
if [ -z "$jdk" ] && [ "$(id -u)" = 0 ] && apt-cache show openjdk-21-jdk-headless >/dev/null 2>&1; then
    echo "setup: installing openjdk-21-jdk-headless"
    apt-get install -y -qq --no-install-recommends openjdk-21-jdk-headless >/dev/null
    jdk=$(find_jdk 21)
fi
if [ -z "$jdk" ]; then
    echo "setup: no JDK >= 21 (JAVA_HOME, javac, /usr/lib/jvm/*): install one (Debian 13: openjdk-21-jdk-headless;" \
        "elsewhere Temurin 21 or 25) and run this again" >&2
    exit 1
fi
if [ "$(readlink -f "$(command -v javac)" 2>/dev/null)" != "$jdk/bin/javac" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: the default javac is not $jdk's; as root run this again, or put $jdk/bin first on PATH" >&2
        exit 1
    fi
    echo "setup: making $jdk (Java $(jdk_release "$jdk")) the default java, javac, keytool and jar"
    for tool in java javac keytool jar; do
        update-alternatives --quiet --install "/usr/bin/$tool" "$tool" "$jdk/bin/$tool" "$(jdk_release "$jdk")11"
        update-alternatives --quiet --set "$tool" "$jdk/bin/$tool"
    done
fi
# The Go client's go.mod says go 1.24: an older go (Debian 12's golang-go is 1.19) cannot build it.
go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ "${go_minor:-0}" -lt 24 ]; then
    echo "setup: $(go env GOVERSION) is older than Go 1.24, which clients/go/go.mod needs:" \
        "install Go 1.26 (Debian 13: golang-1.26-go from trixie-backports, or https://go.dev/dl)" >&2
    exit 1
fi

command -v nox >/dev/null 2>&1 || python3 -m pip install --quiet nox==2026.10.20
# actionlint checks the CI workflow in the tests.
if ! command -v actionlint >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/actionlint" ]; then
    echo "setup: installing actionlint"
    if [ "$(id -u)" = 0 ]; then export GOBIN=/usr/local/bin; fi
    go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
fi
scripts/docker-up.sh
