# Java SDK image from Debian packages only (registry-free stand-in for
# maven:*-eclipse-temurin-21): Debian 13's OpenJDK $JAVA_VERSION
# (openjdk-$JAVA_VERSION-jdk-headless) + Maven $MAVEN_VERSION (maven); the build
# fails if Debian's packages are other releases than these pins.
#
# Paths: java/javac -> /usr/lib/jvm/java-$JAVA_VERSION-openjdk/bin (JAVA_HOME; a link to
# Debian's java-$JAVA_VERSION-openjdk-<arch>), mvn -> /usr/bin/mvn
# (MAVEN_HOME /usr/share/maven, global settings /etc/maven/settings.xml).
# Trust: Debian's JDK uses /etc/ssl/certs/java/cacerts (its lib/security/cacerts is
# a symlink to it), which ca-certificates-java builds from the system store, so
# the extra CAs are in it; the RUN below fails the build if one is missing.
# Maven uses the JDK's default trust store: nothing else to configure.
# Another uid than root works: /etc/mavenrc points user.home at a writable folder
# when the uid has no passwd entry (the local repository is then $HOME/.m2 or /tmp/.m2).
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/java.Dockerfile -t scoring-kit/debian-java:trixie CONTEXT
ARG BASE=scoring-kit/debian-base:trixie
FROM ${BASE}
# The JDK and Maven releases (pins: harness/support.toml says until when each is supported).
ARG JAVA_VERSION=21
ARG MAVEN_VERSION=3.9

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
    d=/usr/local/share/ca-certificates/extra-ca; \
    apt-get install -y --no-install-recommends "openjdk-$JAVA_VERSION-jdk-headless" maven; \
    rm -rf /var/lib/apt/lists/*; \
    ln -s "java-$JAVA_VERSION-openjdk-$(dpkg --print-architecture)" "/usr/lib/jvm/java-$JAVA_VERSION-openjdk"; \
    export JAVA_HOME="/usr/lib/jvm/java-$JAVA_VERSION-openjdk"; \
    test "$(readlink -f "$JAVA_HOME/lib/security/cacerts")" = /etc/ssl/certs/java/cacerts; \
    for c in "$d"/*.crt; do \
        [ -f "$c" ] || continue; \
        keytool -list -cacerts -storepass changeit -alias "debian:$(basename "$c" .crt).pem" >/dev/null \
            || { echo "extra-ca: $c is not in Java's cacerts" >&2; exit 1; }; \
    done; \
    printf '%s\n' \
        '# scoring-kit: a uid without a passwd entry gets user.home="?" from Java, so' \
        '# Maven would use ./?/.m2; use $HOME instead, or /tmp when $HOME is not writable.' \
        'if ! getent passwd "$(id -u)" >/dev/null 2>&1; then' \
        '    _h=${HOME:-/tmp}; [ -w "$_h" ] || _h=/tmp' \
        '    MAVEN_OPTS="-Duser.home=$_h ${MAVEN_OPTS:-}"' \
        'fi' > /etc/mavenrc; \
    java -version 2>&1 | grep "version \"$JAVA_VERSION[.\"]" || { echo "java: not $JAVA_VERSION" >&2; exit 1; }; \
    mvn -B -v | grep "Apache Maven $MAVEN_VERSION\." || { echo "mvn: not Maven $MAVEN_VERSION" >&2; exit 1; }
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    JAVA_HOME=/usr/lib/jvm/java-${JAVA_VERSION}-openjdk \
    MAVEN_HOME=/usr/share/maven
CMD ["bash"]
