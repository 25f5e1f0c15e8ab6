# Thin layer that makes an official SDK image trust extra CA certificates
# (a TLS-inspecting proxy, a corporate CA, a sandbox's egress CA).
#
#   docker build -f harness/images/official/ca.Dockerfile \
#       --build-arg BASE=golang:1.26-trixie -t scoring-kit/go-ca:1.26 CONTEXT
#
# CONTEXT holds `extra-ca/` with zero or more PEM *.crt files (a file may hold
# several certificates, e.g. a whole bundle). With no *.crt the RUN does nothing,
# so a caller may as well skip this layer and use BASE directly.
#
# What it does, as root (the official SDK images below run as root anyway; an
# image whose default user is not root ends up with USER root):
#   1. splits each extra-ca/*.crt into one certificate per file under
#      /usr/local/share/ca-certificates/extra-ca/, skipping certificates the
#      system store already has, and runs update-ca-certificates
#      -> /etc/ssl/certs/ca-certificates.crt: OpenSSL, Go, .NET, Python's ssl, curl;
#   2. if the image has a JDK (keytool on PATH), imports the same certificates
#      into the JDK's own trust store ($JAVA_HOME/lib/security/cacerts, or
#      jre/lib/security/cacerts for Java 8; password changeit):
#      Temurin (maven:*-eclipse-temurin-*, eclipse-temurin:*) keeps its own
#      $JAVA_HOME/lib/security/cacerts, which update-ca-certificates does not
#      touch. (Temurin's own mechanism, USE_SYSTEM_CA_CERTS=1 with certificates
#      mounted at /certificates, runs from its entrypoint
#      /__cacert_entrypoint.sh at container start; the maven images replace
#      that entrypoint with mvn-entrypoint.sh, so it is not relied on here.)
#      A Debian JDK whose cacerts comes from ca-certificates-java already got
#      the certificates in step 1 (alias debian:NAME.pem) and is skipped;
#   3. sets PIP_CERT / REQUESTS_CA_BUNDLE / SSL_CERT_FILE to the system bundle:
#      pip in the official python images uses its own vendored certifi bundle
#      unless told otherwise.
# If the image has no update-ca-certificates, ca-certificates is installed with
# apt-get or apk first.
#
# Tested here only on stand-ins built from Debian packages (no registry is
# reachable on the machine where this was written): a Debian python image and
# a Debian OpenJDK whose cacerts was made a plain file like Temurin's. NOT run
# against the real golang, python, maven/temurin or mcr.microsoft.com/dotnet/sdk
# images. See ../README.md.
ARG BASE
FROM ${BASE}
USER root
COPY extra-ca/ /tmp/extra-ca/
COPY extra-ca.sh /tmp/extra-ca.sh
RUN sh /tmp/extra-ca.sh && rm -f /tmp/extra-ca.sh
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt
