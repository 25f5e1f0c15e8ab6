"""Sessions of this project.

nox -s conformance                          # the full matrix in one harness run, one table
nox -s conformance -- --language go         # one language (arguments after -- go to `python -m harness run`)
nox -s conformance -- --scenario json-key
nox -s tests                                # the test suite
nox -s lint                                 # ruff over the Python code
nox -s docs -- PAGE...                      # check the code samples of documentation pages
nox -s fidelity                             # the stub against the real servers of harness/servers/
nox -s bench / bench_matrix                 # benchmarks (bench/)
"""

import pathlib

import nox

ROOT = pathlib.Path(__file__).parent

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["conformance"]


@nox.session
def conformance(session: nox.Session) -> None:
    """Every language x scenario in one harness run: one stub, languages and scenarios in parallel, one table.

    One language: nox -s conformance -- --language go (CI's per-language jobs add --results results/<language>).
    """
    session.install("-r", "requirements.txt")
    session.run("python", "-m", "harness", "run", *session.posargs)


@nox.session
def matrix(session: nox.Session) -> None:
    """One table over saved matrix results (results/**/results.json; a docs check's results are skipped)."""
    session.install("-r", "requirements.txt")
    files = sorted(str(p) for p in (ROOT / "results").glob("**/results.json"))
    session.run("python", "-m", "harness", "summary", *files, *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, stub, harness and the end-to-end matrix)."""
    session.install("-r", "requirements-test.txt")
    session.run("pytest", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build and run the samples inside documentation pages: nox -s docs -- PAGE... [--backend local]."""
    session.install("-r", "requirements.txt", "ruff==0.17.6")  # ruff: the Python samples' linter
    if not session.posargs:
        session.error("name the pages to check: nox -s docs -- PAGE...")
    session.run("python", "-m", "harness", "docs", "check", *session.posargs)


@nox.session
def fidelity(session: nox.Session) -> None:
    """The stub against each real server it imitates, probe by probe (the harness makes their cached venvs)."""
    session.install("-r", "requirements.txt")
    session.run("python", "-m", "harness", "fidelity", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def bench(session: nox.Session) -> None:
    """The real Azure ML inference server direct, through the stub's gateway, and the stub alone (needs wrk)."""
    session.install("-r", "requirements.txt")
    session.run("python", "bench/stub_throughput.py", *session.posargs)


@nox.session
def bench_matrix(session: nox.Session) -> None:
    """Whole-matrix wall time: Docker cold vs warm, --jobs 1 vs N, Docker vs local (rebuilds images)."""
    session.install("-r", "requirements.txt")
    session.run("python", "bench/matrix.py", *session.posargs)
