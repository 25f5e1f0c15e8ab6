"""Sessions of this project.

nox -s conformance                          # the full matrix in one harness run, one table
nox -s conformance -- --language go         # one language (arguments after -- go to `python -m harness run`)
nox -s conformance -- --scenario json-key
nox -s tests                                # the test suite
nox -s lint                                 # ruff over the Python code
nox -s docs -- PAGE...                      # check the code samples of documentation pages
nox -s fidelity                             # the stub against the real servers of harness/servers/
nox -s bench / bench_matrix                 # benchmarks (bench/)
nox -s soak_stub / soak_matrix              # soaks: the stub under load, the matrix beside a CPU hog
"""

import hashlib
import pathlib

import nox

ROOT = pathlib.Path(__file__).parent

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["conformance"]


def install(session: nox.Session, *requirements: str) -> None:
    """pip install -r each file, skipped when the reused environment already has exactly these files' pins:
    the main command then starts the harness at once (bench/matrix.py compares it with `python -m harness run`)."""
    digest = hashlib.sha256(b"".join(_pins(ROOT / r) for r in requirements)).hexdigest()
    stamp = pathlib.Path(session.virtualenv.location) / ".scoring-kit-requirements"
    if stamp.is_file() and stamp.read_text() == digest:
        return
    session.install(*(arg for r in requirements for arg in ("-r", r)))
    stamp.write_text(digest)


def _pins(path: pathlib.Path) -> bytes:
    """A requirements file and those it includes (-r), as bytes."""
    text = path.read_text(encoding="utf-8")
    nested = [line.split(None, 1)[1] for line in text.splitlines() if line.startswith("-r ")]
    return text.encode() + b"".join(_pins(path.parent / n) for n in nested)


@nox.session
def conformance(session: nox.Session) -> None:
    """Every language x scenario in one harness run: one stub, languages and scenarios in parallel, one table.

    One language: nox -s conformance -- --language go (CI's per-language jobs add --results results/<language>).
    """
    install(session, "requirements.txt")
    session.run("python", "-m", "harness", "run", *session.posargs)


@nox.session
def matrix(session: nox.Session) -> None:
    """One table over saved matrix results (results/**/results.json; a docs check's results are skipped)."""
    install(session, "requirements.txt")
    files = sorted(str(p) for p in (ROOT / "results").glob("**/results.json"))
    session.run("python", "-m", "harness", "summary", *files, *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, stub, harness and the end-to-end matrix)."""
    install(session, "requirements-test.txt")
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


@nox.session
def soak_stub(session: nox.Session) -> None:
    """The stub under a minute of keep-alive load: errors, RSS, journal cap (wrk if installed: apt-get install wrk)."""
    install(session, "requirements.txt")
    session.run("python", "bench/stub_soak.py", *session.posargs)


@nox.session
def soak_matrix(session: nox.Session) -> None:
    """The Docker matrix 10 times in a row beside a CPU hog (stress-ng if installed): failing cells, time bounds."""
    install(session, "requirements.txt")
    session.run("python", "bench/matrix_soak.py", *session.posargs)
