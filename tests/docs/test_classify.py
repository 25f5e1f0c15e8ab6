"""Which blocks run and with which scenario, which are skipped and why; placeholders."""

from pathlib import Path

import pytest

from harness.docs import data as docs_data
from harness.docs import placeholders
from harness.docs.classify import classify
from harness.docs.data import DocsError
from harness.docs.extract import Block, read_page
from tests.docs.test_extract import PAGES, SEED


@pytest.fixture(scope="module")
def data():
    return docs_data.load()


def plan(data, code: str, fence: str, **hints):
    return classify(Block(Path("page.md"), 10, 10 + code.count("\n"), fence, code, hints), data)


def test_seed_page_runs_its_four_client_samples_and_skips_the_rest(data):
    plans = [classify(b, data) for b in read_page(SEED)]
    runs = [(p.block.start, p.language.name, p.scenario) for p in plans if p.runnable]
    assert runs == [
        (171, "csharp", "json-key"),
        (260, "go", "json-key"),
        (352, "java", "json-key"),
        (432, "python", "json-key"),
    ]
    skipped = {p.block.start: p.reason for p in plans if not p.runnable}
    assert skipped[46] == "deployment code: not a client of a service (`Webservice.deploy_from_model`)"
    assert skipped[80] == "no HTTP call: not a client of a service"  # get_keys()
    assert skipped[132] == (  # the server-side score.py
        "server-side code (a scoring script with init() and run()): not a client of a service (`def init():`)"
    )
    assert skipped[163] == "no curl command: not a client of a service"  # pip install
    assert {skipped[n] for n in (92, 106, 252, 344, 424, 485)} == {"json: data, not a program"}


def test_scenario_reason_names_the_text_and_its_line(data):
    go = next(classify(b, data) for b in read_page(SEED) if b.fence == "go")
    assert go.reason == "scenario json-key (from `Bearer`, line 326)"


CALL = "import requests\nrequests.post({})\n"


@pytest.mark.parametrize(
    "call, scenario",
    [
        ("'<scoring-uri>', json={}, headers={'Authorization': 'Bearer <your key>'}", "json-key"),
        ("'<scoring-uri>', json={}", "json-no-auth"),
        ("'<scoring-uri>', data=b, headers={'Content-Type': 'application/octet-stream'}", "binary"),
        ("'<scoring-uri>', files={'images': open('<path to image>', 'rb')}", "multipart-file"),
        ("'https://x/v1/infers/abc', json={}, headers={'X-Auth-Token': 'MIIZkQYJKoZIhvcNAQcC'}", "modelarts-json"),
        # A comment is not code: mentioning Authorization there does not ask for a key.
        ("'<scoring-uri>', json={})  # no Authorization needed\nprint(", "json-no-auth"),
    ],
)
def test_scenario_inferred_from_what_the_code_does(data, call, scenario):
    p = plan(data, CALL.format(call), "python")
    assert p.runnable and p.scenario == scenario, p.reason


@pytest.mark.parametrize(
    "option, scenario",
    [("--data-binary @sample.png", "binary"), ("--data-binary @-", "json-no-auth"), ("-d @body.json", "json-no-auth")],
)
def test_curl_data_binary_from_a_file_is_an_upload_but_from_standard_input_is_not(data, option, scenario):
    p = plan(data, f"curl -H 'Content-Type: application/json' {option} \"$SCORING_URI\" <<'EOF'\n[1]\nEOF\n", "sh")
    assert p.runnable and p.scenario == scenario, p.reason


def test_scenario_hint_wins_and_must_exist(data):
    code = "import requests\nrequests.post('<scoring-uri>', headers={'Authorization': 'Bearer <your key>'})\n"
    p = plan(data, code, "python", scenario="json-token")
    assert p.scenario == "json-token" and p.reason == "scenario json-token (hint)"
    with pytest.raises(DocsError, match="unknown scenario 'nope' in scoring-check hint; known: .*json-key"):
        plan(data, code, "python", scenario="nope")


def test_fragments_are_skipped_but_a_program_missing_an_import_runs(data):
    tip = plan(data, "resp = requests.post(scoring_uri, input_data, headers=headers)\nprint(resp.text)\n", "python")
    assert not tip.runnable and "fragment" in tip.reason
    # Names the service it calls: meant to run, so it runs (and fails with Python's NameError).
    meant = plan(data, "uri = '<your web service URI>'\nresp = requests.post(uri, json={})\n", "python")
    assert meant.runnable
    go_tip = plan(data, 'req, _ := http.NewRequest("POST", uri, body)\nimport "net/http"\n', "go")
    assert not go_tip.runnable and "package main" in go_tip.reason
    java_tip = plan(data, "Content c = Request.Post(uri).execute().returnContent();\n", "java")
    assert not java_tip.runnable and "static void main" in java_tip.reason


def test_languages_and_hints(data):
    assert plan(data, "{}", "JSON").reason == "json: data, not a program"
    assert plan(data, "fun main() {}", "kotlin").reason == "no runner for 'kotlin'"
    assert plan(data, "x", "").reason.startswith("the block names no language")
    assert (
        plan(data, "import requests\nrequests.get('<scoring-uri>')\n", "py", skip="flaky").reason == "skip hint: flaky"
    )
    forced = plan(data, "print('hi')\n", "python", run="")
    assert forced.runnable
    shown = plan(data, "curl -X POST <scoring-uri>\n", "", language="bash")
    assert shown.runnable and shown.language.name == "shell"
    with pytest.raises(DocsError, match="unknown language 'kotlin' in scoring-check hint"):
        plan(data, "x", "", language="kotlin")
    with pytest.raises(DocsError, match="body= takes only 'any'"):
        plan(data, "x", "python", body="exact")


def test_rst_literal_blocks_take_the_highlight_or_are_recognised(data):
    plans = [classify(b, data) for b in read_page(PAGES / "zhongwen.rst")]
    assert [(p.shown, p.runnable) for p in plans] == [
        ("python", True),
        ("json", False),
        ("shell", True),  # a `::` block recognised as curl
        ("python", False),  # `.. highlight:: python`, a one-line tip
        ("python", False),  # skip hint
    ]


def test_placeholders_found_and_replaced(data):
    code = (
        'uri = "<your web service URI>"\nkey = "<your key or token>"\ncurl <scoring-uri> -F "f=@<path to your image>"\n'
    )
    found = placeholders.find(code, data.placeholders)
    assert [(f.kind, f.text, f.line) for f in found] == [
        ("uri", "<your web service URI>", 0),
        ("key", "<your key or token>", 1),
        ("uri", "<scoring-uri>", 2),
        ("file", "<path to your image>", 2),
    ]
    out = placeholders.replace(code, found, {"uri": "http://stub/score", "key": "K", "file": "/p/sample.png"})
    assert out == 'uri = "http://stub/score"\nkey = "K"\ncurl http://stub/score -F "f=@/p/sample.png"\n'


def test_real_looking_url_and_token_are_placeholders_too(data):
    code = (
        "curl -X POST https://infer-modelarts-cn-north-4.myhuaweicloud.com/v1/infers/eb3e0c54-3dfa <-- \\\n"
        "  -H 'X-Auth-Token: MIIZkQYJKoZIhvcNAQcCoIIZgjCCGX4CAQExDTALBglghkgBZQ' \\\n"
        '  -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV"\n'
        "requests.post('http://0d1fb0ed.westus.azurecontainer.io/score', json=data)\n"
    )
    found = placeholders.find(code, data.placeholders)
    assert [(f.kind, f.text) for f in found] == [
        ("uri", "https://infer-modelarts-cn-north-4.myhuaweicloud.com/v1/infers/eb3e0c54-3dfa"),
        ("key", "MIIZkQYJKoZIhvcNAQcCoIIZgjCCGX4CAQExDTALBglghkgBZQ"),  # the value only, not the header name
        ("key", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV"),
        ("uri", "http://0d1fb0ed.westus.azurecontainer.io/score"),
    ]
    out = placeholders.replace(code, found, {"uri": "U", "key": "K"})
    assert "-H 'X-Auth-Token: K'" in out and "Bearer K" in out and "post('U'" in out


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ('API_KEY = "3f9a61c2d8e74b05a1c6e2f7d9b8a4c1"', "3f9a61c2d8e74b05a1c6e2f7d9b8a4c1"),
        ('const apiKey = "0123456789abcdef0123";', "0123456789abcdef0123"),
        ('token := "abcdefghijklmnop1234"', "abcdefghijklmnop1234"),
        ('{"primary_key": "abcDEF0123456789xyz"}', "abcDEF0123456789xyz"),
        (
            'headers={"Authorization": "Bearer sk-9f8e7d6c5b4a39281706f5e4d3c2b1a0"}',
            "sk-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        ),
    ],
)
def test_a_credential_written_into_the_sample_is_the_readers_to_replace(data, code, value):
    """The reader puts their own key there, so the check puts the scenario's (the security finding still says it)."""
    assert [(f.kind, f.text) for f in placeholders.find(code, data.placeholders)] == [("key", value)]


@pytest.mark.parametrize(
    "code",
    [
        'headers = {"Authorization": f"Bearer {API_KEY}"}',  # read from elsewhere: nothing to replace
        'api_key = ""',
        '"monkey": "abcdefghijklmnopqrst"',  # a word ending in "key" is no key
        'key = "short"',
        "-H 'Authorization: Bearer $TOKEN'",
    ],
)
def test_what_is_not_a_written_credential(data, code):
    assert [
        f for f in placeholders.find(code, data.placeholders) if f.kind == "key" and not f.text.startswith("$")
    ] == []


def test_generics_are_not_placeholders(data):
    code = "List<File> files; Map<String, Token> m; IEnumerable<Service> s;"
    assert placeholders.find(code, data.placeholders) == []


def test_extra_placeholder_file_is_tried_first(tmp_path, data):
    extra = tmp_path / "mine.toml"
    extra.write_text('[[placeholder]]\nkind = "uri"\ntext = "{{ scoring_url }}"\n', encoding="utf-8")
    loaded = docs_data.load([extra])
    found = placeholders.find('requests.post("{{ scoring_url }}")', loaded.placeholders)
    assert [(f.kind, f.text) for f in found] == [("uri", "{{ scoring_url }}")]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[placeholder]]\nkind = "password"\ntext = "x"\n', encoding="utf-8")
    with pytest.raises(DocsError, match=r"bad\.toml: placeholder\[0\]: kind must be one of uri, key, file"):
        docs_data.load([bad])
