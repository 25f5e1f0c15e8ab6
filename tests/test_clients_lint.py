"""Each sample is clean under its language's standard checks (from languages/*.toml)."""

import shutil
import subprocess

import pytest

from harness import catalog

STEPS = [(lang, step) for lang in catalog.load_languages().values() for step in lang.lint]


def test_every_language_with_a_linter_has_lint_steps():
    assert {lang.name for lang, _ in STEPS} >= {"go", "python"}


@pytest.mark.parametrize("language, step", STEPS, ids=[f"{lang.name}:{' '.join(s.command[:2])}" for lang, s in STEPS])
def test_client_is_lint_clean(language, step):
    assert shutil.which(step.command[0]), f"{step.command[0]} is not installed; the test environment must provide it"
    result = subprocess.run(step.command, cwd=language.client, capture_output=True, text=True, timeout=300)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    if step.fail_on_output:
        assert not output, f"{' '.join(step.command)} reported:\n{output}"
