"""A sample's own environment variable names (environment.py) and an answer printed after a label (printed.py)."""

import pytest

from harness.docs import environment, printed


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ('url = os.environ["AML_URL"]; key = os.getenv("AML_KEY")', ["AML_URL", "AML_KEY"]),
        ('os.environ.get("MY_TOKEN", "")', ["MY_TOKEN"]),
        ('req.Header.Set("Authorization", "Bearer "+os.Getenv("ENDPOINT_KEY"))', ["ENDPOINT_KEY"]),
        ("const u = process.env.INFER_URL; const k = process.env['INFER_KEY'];", ["INFER_URL", "INFER_KEY"]),
        ('Environment.GetEnvironmentVariable("SVC_DEPLOYMENT")', ["SVC_DEPLOYMENT"]),
        ('std::env::var("RUST_SCORING_URI")', ["RUST_SCORING_URI"]),
        ('System.getenv("JAVA_ENDPOINT")', ["JAVA_ENDPOINT"]),
        ('print("getenv is a function")', []),
    ],
)
def test_the_variables_a_sample_reads(code, names):
    assert environment.read(code) == names


def test_each_name_gets_the_value_of_its_kind_and_a_note():
    values = {"uri": "http://stub/score", "key": "K", "deployment": "green"}
    code = 'os.getenv("A_URL"), os.getenv("A_KEY"), os.getenv("A_DEPLOYMENT"), os.getenv("SCORING_KEY"), os.getenv("X")'
    code += ', os.getenv("TOKENIZERS_PARALLELISM"), os.getenv("OAUTH_TOKEN_ENDPOINT")'
    notes: list[str] = []
    env = environment.bind("python", code, values, notes)
    assert env == {  # contract names and names that say nothing: not set
        "A_URL": "http://stub/score",
        "A_KEY": "K",
        "A_DEPLOYMENT": "green",
        "OAUTH_TOKEN_ENDPOINT": "http://stub/score",  # an address, although it names a token
    }
    assert notes[1] == "the sample reads A_KEY from its environment: given the scenario's key"
    assert environment.bind("python", 'os.getenv("A_KEY")', {"key": ""}, notes) == {"A_KEY": ""}  # no auth
    assert notes[-1] == "the sample reads A_KEY from its environment: given nothing (none)"


def test_shell_variables_are_the_pages_own_setup():
    assert environment.bind("shell", 'echo "$(printenv A_KEY)"; os.getenv("A_KEY")', {"key": "K"}, []) == {}


@pytest.mark.parametrize(
    ("stdout", "found"),
    [
        ("200 OK [7.425]\n", ("200 OK", "[7.425]")),
        ("Predictions: {'a': 1, 'b': None}\n", ("Predictions:", '{"a": 1, "b": null}')),
        ('status 200\n{"outputs": [1]}\n', ("status 200", '{"outputs": [1]}')),
        ("[1, 2]", None),  # the answer itself
        ("prediction: 217.68", None),  # no answer printed
        ("x [1, 2] y", None),  # text after it: not an answer at the end
        ("", None),
        ("result: {[1]: 2}", None),  # literal_eval's TypeError: no answer, no crash
        ("labels: {b'cat'}", None),
    ],
)
def test_an_answer_printed_after_a_label(stdout, found):
    assert printed.after_label(stdout) == found
