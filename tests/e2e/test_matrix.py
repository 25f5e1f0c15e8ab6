"""The real thing: every sample client built and run against the stub, every scenario."""

from harness import catalog


def test_full_matrix_passes(harness_run):
    """On local toolchains and in containers (Docker backend, per HARNESS_IMAGES)."""
    run = harness_run()
    languages = catalog.load_languages()
    scenarios = catalog.load_scenarios()
    assert run.results is not None, run.err
    cells = {(c["language"], c["scenario"]): c for lang in run.results["languages"] for c in lang["cells"]}
    assert set(cells) == {(lang, sc) for lang in languages for sc in scenarios}
    failing = {
        k: [ch["name"] for ch in c["checks"] if not ch["ok"]] or c["message"]
        for k, c in cells.items()
        if c["status"] != "pass"
    }
    assert not failing, f"failing cells: {failing}\n{run.out[-4000:]}"
    assert run.code == 0
    # The table a user sees: one row per language, every cell a pass.
    for lang in languages.values():
        assert lang.title in run.out
    assert f"{len(cells)} passed, 0 failed: all passed" in run.out


def test_every_cell_checked_the_request_and_the_output(harness_run):
    """No cell passes vacuously: each one compared a received request (or, where none may arrive, the error)."""
    run = harness_run()
    silent = {name for name, s in catalog.load_scenarios().items() if not s.requests}
    assert silent == {"tls-unknown-ca"}
    for lang in run.results["languages"]:
        for cell in lang["cells"]:
            names = {c["name"] for c in cell["checks"]}
            if cell["scenario"] in silent:  # the handshake fails: nothing sent, a TLS error reported
                assert {"requests received", "exit code", "stderr is one line", "stderr matches"} <= names
                continue
            assert {"requests received", "#1 method", "#1 path", "exit code"} <= names, cell["scenario"]
            # The body is compared whole, or (a form upload) field by field down to the file's bytes.
            assert "#1 body" in names or "#1 form file" in names, cell["scenario"]
            assert cell["run"]["exit_code"] is not None


def test_every_cell_ran_on_the_chosen_backend(harness_run):
    run = harness_run()
    assert run.results["backend"].startswith(harness_run.backend), run.results["backend"]
    in_docker = {lang["name"]: lang["toolchain"].startswith("docker/") for lang in run.results["languages"]}
    assert set(in_docker.values()) == {harness_run.backend == "docker"}, in_docker
