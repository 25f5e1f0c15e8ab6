# C# image from Debian packages only (registry-free stand-in for
# mcr.microsoft.com/dotnet/sdk): Mono 6.8, not .NET. `dotnet` does not exist here;
# compile with mcs (C# up to about 7.0: no `async Task<int> Main`) and run with mono.
#
# Paths:
#   mcs   /usr/bin/mcs   (Mono C# compiler)
#   mono  /usr/bin/mono  (runtime)
#   Newtonsoft.Json 6.0.8: /usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll
#   System.Net.Http: from the Mono 4.5 profile, referenced as -r:System.Net.Http.dll
# Compile and run:
#   mcs -r:/usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll -r:System.Net.Http.dll Program.cs -out:p.exe
#   MONO_PATH=/usr/lib/cli/Newtonsoft.Json-5.0 mono p.exe    (MONO_PATH is set in this image)
# Trust: ca-certificates-mono syncs the system store (with the extra CAs) into
# Mono's store (/usr/share/.mono/certs) for HTTPS from HttpClient.
#
# Build context: any folder holding `extra-ca/` with zero or more PEM *.crt files
# (see ../README.md). By hand, from the repository root:
#   docker build -f harness/images/debian/csharp.Dockerfile -t scoring-kit/debian-csharp:bookworm CONTEXT
ARG BASE=scoring-kit/debian-base:bookworm
FROM ${BASE}

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
    apt-get install -y --no-install-recommends mono-mcs libmono-system-net-http4.0-cil libnewtonsoft-json-cil-dev ca-certificates-mono; \
    rm -rf /var/lib/apt/lists/*; \
    test -f /usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll; \
    mono --version | head -n 1
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    MONO_PATH=/usr/lib/cli/Newtonsoft.Json-5.0
CMD ["bash"]
