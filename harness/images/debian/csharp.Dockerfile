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
    apt-get install -y --no-install-recommends mono-mcs libmono-system-net-http4.0-cil libnewtonsoft-json-cil-dev ca-certificates-mono; \
    rm -rf /var/lib/apt/lists/*; \
    test -f /usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll; \
    mono --version | head -n 1
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    MONO_PATH=/usr/lib/cli/Newtonsoft.Json-5.0
CMD ["bash"]
