# A real model server (harness/servers/<name>.toml) as an image, on a profile's Python image (BASE: the
# kit's Debian 13 python image, or python:3.13-slim-trixie with the extra CAs layered on; both already
# trust the host's CA, so pip goes through a TLS-inspecting proxy).  Built by the harness
# (harness/backends/server_images.py) from a context it assembles:
#   server/       the definition's folder: pinned requirements, entry scripts
#   models/       server_stub/models: the coefficients every server serves
# The same layout as on the host under /srv/kit, so the definition's [local] command runs unchanged,
# with {root}=/srv/kit, {server_dir}=/srv/kit/harness/servers/<name>, {python}=/opt/server/bin/python.
ARG BASE
FROM ${BASE}
ARG SERVER
COPY server/requirements.txt /tmp/requirements.txt
# One virtual environment, every package pinned; no compiler in the image, so wheels only.
RUN python3 -m venv /opt/server \
    && /opt/server/bin/pip install --no-cache-dir --disable-pip-version-check --only-binary=:all: \
        -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY models/ /srv/kit/server_stub/models/
COPY server/ /srv/kit/harness/servers/${SERVER}/
WORKDIR /srv/kit/harness/servers/${SERVER}
ENV PYTHONUNBUFFERED=1
