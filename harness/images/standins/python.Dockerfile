# Stand-in for the official python:<release>-slim-trixie image (docker-library/python), for machines that reach
# no container registry: the debian profile's Python (Debian's python3.13, venv, pip) laid out like the official
# image. Same tag and layout, not the same bits: Debian's build of CPython in /usr (linked from /usr/local/bin),
# Debian's pip (it uses the system trust store; the official pip uses its vendored certifi).
#
# The official layout (its Dockerfile): python3, python, pip3, pip in /usr/local/bin, PATH=/usr/local/bin:<Debian's>,
# LANG=C.UTF-8, PYTHON_VERSION, a Python that is not "externally managed" (a plain pip install works), user
# root, no WORKDIR, CMD python3. What the debian image sets besides (SSL_CERT_FILE, PIP_CERT, REQUESTS_CA_BUNDLE:
# the system bundle, as the harness's CA layer sets anyway; PIP_BREAK_SYSTEM_PACKAGES) cannot be unset by a
# Dockerfile and stays. standins.toml lists what the harness checks.
#
# Built by `python -m harness images standins` (BASE, required = the debian profile's python image, built without extra
# CAs as an official image comes; STANDS_FOR = the official tag of images.toml). It is also the stub's base.
ARG BASE
FROM ${BASE}
ARG STANDS_FOR
ARG PYTHON_VERSION=3.13
LABEL scoring-kit.standin="${STANDS_FOR} is a stand-in built here from Debian's python${PYTHON_VERSION} (harness/images/standins/python.Dockerfile)"
RUN set -eu; \
    test -n "${STANDS_FOR}" || { echo "standin: --build-arg STANDS_FOR=<official tag> is required" >&2; exit 1; }; \
    ln -s "/usr/bin/python${PYTHON_VERSION}" /usr/local/bin/python3; \
    ln -s python3 /usr/local/bin/python; \
    ln -s /usr/bin/pip3 /usr/local/bin/pip3; \
    ln -s pip3 /usr/local/bin/pip; \
    rm -f "/usr/lib/python${PYTHON_VERSION}/EXTERNALLY-MANAGED"; \
    /usr/local/bin/python -c 'import sys; print(sys.version)' | grep "^${PYTHON_VERSION}\."
ENV PYTHON_VERSION=${PYTHON_VERSION} \
    LANG=C.UTF-8 \
    PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["python3"]
