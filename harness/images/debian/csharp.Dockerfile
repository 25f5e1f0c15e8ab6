# C# image from Debian packages only (registry-free stand-in for
# mcr.microsoft.com/dotnet/sdk): Mono $MONO_VERSION from Debian 13, not .NET. `dotnet`
# does not exist here; compile with mcs (C# up to about 7.0: no `async Task<int> Main`)
# and run with mono.
#
# Newtonsoft.Json: Debian 13 has no package of it, so the one package (with the
# assembly it installs) comes from Debian 12 "bookworm", on the same mirror: its
# Newtonsoft.Json $NEWTONSOFT_JSON_VERSION, built for Mono's 4.5 profile and depending only on
# Mono assemblies, which Debian 13's Mono provides. An APT pin lets nothing else
# come from bookworm; the bookworm sources are removed again after the install.
# Debian 12 is in LTS (to 2028-06-30, harness/support.toml); 6.0.8 predates
# Newtonsoft.Json 13.0.1's fix for CVE-2024-21907 (deeply nested JSON); the .NET
# build of the same sources uses NuGet's 13.0.4. See ../README.md.
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
#   docker build -f harness/images/debian/csharp.Dockerfile -t scoring-kit/debian-csharp:trixie CONTEXT
ARG BASE=scoring-kit/debian-base:trixie
FROM ${BASE}
# The Mono release, and Newtonsoft.Json's release and the Debian suite it comes from
# (pins: harness/support.toml says until when each is supported).
ARG MONO_VERSION=6.12
ARG NEWTONSOFT_JSON_VERSION=6.0.8
ARG NEWTONSOFT_JSON_SUITE=bookworm

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
    s=$NEWTONSOFT_JSON_SUITE; nj="libnewtonsoft-json-cil-dev libnewtonsoft-json5.0-cil"; \
    key=/usr/share/keyrings/debian-archive-keyring.gpg; \
    uris=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources); \
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
        "$(echo "$uris" | sed -n 1p)" "$s" "$key" "$(echo "$uris" | sed -n 2p)" "$s" "$key" \
        > /etc/apt/sources.list.d/newtonsoft-json.sources; \
    printf 'Package: %s\nPin: release n=%s\nPin-Priority: 500\n\nPackage: %s\nPin: release n=%s-security\nPin-Priority: 500\n\nPackage: *\nPin: release n=%s\nPin-Priority: -1\n\nPackage: *\nPin: release n=%s-security\nPin-Priority: -1\n' \
        "$nj" "$s" "$nj" "$s" "$s" "$s" > /etc/apt/preferences.d/newtonsoft-json; \
    apt-get update; \
    apt-get install -y --no-install-recommends mono-mcs libmono-system-net-http4.0-cil ca-certificates-mono $nj; \
    rm -f /etc/apt/sources.list.d/newtonsoft-json.sources /etc/apt/preferences.d/newtonsoft-json; \
    rm -rf /var/lib/apt/lists/*; \
    test -f /usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll; \
    case $(dpkg-query -W -f '${Version}' libnewtonsoft-json5.0-cil) in \
        "$NEWTONSOFT_JSON_VERSION"+*) ;; \
        *) echo "Newtonsoft.Json: not $NEWTONSOFT_JSON_VERSION" >&2; exit 1 ;; \
    esac; \
    mono --version | head -n 1 | grep "version $MONO_VERSION\." || { echo "mono: not $MONO_VERSION" >&2; exit 1; }
# <<< extra-ca + toolchain

ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    MONO_PATH=/usr/lib/cli/Newtonsoft.Json-5.0
CMD ["bash"]
