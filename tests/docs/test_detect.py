"""A block's language from its content when its label names none; what counts as calling a service;
blocks skipped as data, server-side or deployment code, or a protocol not supported yet."""

from pathlib import Path

import pytest

from harness.docs import data as docs_data
from harness.docs import detect, placeholders
from harness.docs.classify import classify
from harness.docs.data import DocsError
from harness.docs.extract import Block, read_page
from tests.docs.test_extract import PAGES

ROW = "0.0199132141783263, 0.0506801187398187"
PROGRAMS = {
    "python": f'import requests\nresp = requests.post("<scoring-uri>", json={{"data": [[{ROW}]]}})\nprint(resp.text)\n',
    "shell": f"curl -s -X POST <scoring-uri> -H 'Content-Type: application/json' -d '{{\"data\": [[{ROW}]]}}'\n",
    "go": 'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\nfunc main() {\n'
    '\tresp, err := http.Post("<scoring-uri>", "application/json", nil)\n\tfmt.Println(resp, err)\n}\n',
    "csharp": "using System;\nusing System.Net.Http;\n\nclass Program\n{\n    static void Main()\n    {\n"
    '        var r = new HttpClient().PostAsync("<scoring-uri>", null).Result;\n'
    "        Console.WriteLine(r.StatusCode);\n    }\n}\n",
    "java": "import java.net.URI;\nimport java.net.http.HttpClient;\n\npublic class Score {\n"
    "    public static void main(String[] args) throws Exception {\n"
    '        System.out.println(HttpClient.newHttpClient() + URI.create("<scoring-uri>").toString());\n    }\n}\n',
}


@pytest.fixture(scope="module")
def data():
    return docs_data.load()


def plan(data, code: str, info: str = "", source: str = "fence", **hints):
    block = Block(Path("page.md"), 10, 10 + code.count("\n"), info, code, hints, source=source)
    return classify(block, data)


@pytest.mark.parametrize("language", sorted(PROGRAMS))
@pytest.mark.parametrize("info, says", [("", "the fence names none"), ("text", "the fence says `text`")])
def test_unlabelled_program_gets_its_language_from_content(data, language, info, says):
    p = plan(data, PROGRAMS[language], info)
    assert (p.language.name, p.runnable) == (language, True), p.reason
    assert p.why.startswith(f"language: {language} (from content: `") and says in p.why
    assert p.reason.endswith(p.why)  # the report shows it (scenario_why of a run, reason of a skip)


@pytest.mark.parametrize("language", sorted(PROGRAMS))
def test_a_label_that_names_a_language_wins_over_the_content(data, language):
    """The negative twin: the same code under another language's label is that language."""
    other = "go" if language != "go" else "python"
    p = plan(data, PROGRAMS[language], other)
    assert p.language.name == other and p.why == ""


def test_each_language_scores_only_its_own_programs(data):
    langs = list(data.languages.values())
    for language, code in PROGRAMS.items():
        best, evidence = detect.sniff(code, langs)
        assert [lang.name for lang in best] == [language] and evidence, (language, [b.name for b in best])


def test_bash_fence_holding_python_is_python_but_with_a_shell_command_stays_shell(data):
    p = plan(data, PROGRAMS["python"], "bash")
    assert p.language.name == "python" and p.runnable
    assert "the fence says `bash`, but nothing in it looks like shell" in p.why
    pip = plan(data, "pip install requests\npython -c 'import requests; print(requests.__version__)'\n", "bash")
    assert pip.language.name == "shell" and pip.why == ""
    assert pip.reason == "no curl command: not a client of a service"
    plain = plan(data, "pip install requests\n", "sh")
    assert plain.language.name == "shell" and not plain.runnable


def test_console_transcript_is_shell_from_its_prompt(data):
    p = plan(data, "$ pip install requests\nSuccessfully installed requests-2.32.3\n", "console")
    assert p.language.name == "shell" and "`$ pip install requests`" in p.why
    assert p.reason.startswith("no curl command")


@pytest.mark.parametrize(
    "code, info, shown",
    [
        ("[217.67978776218715, 224.78937091757172]\n", "", "json"),
        ('{"data": [[1.5, 2.5]]}\n', "text", "json"),
        ('{\n    "data":\n        [\n            <model-specific-data-structure>\n        ]\n}\n', "", "json"),
        ('<?xml version="1.0"?>\n<result>217.6</result>\n', "", "xml"),
        ("HTTP/1.1 200 OK\ncontent-type: application/json\n\n[217.6]\n", "none", "http"),
        ('{"print(": "import requests"}\n', "bash", "json"),  # data, even with a language's words in it
    ],
)
def test_data_stays_data(data, code, info, shown):
    p = plan(data, code, info)
    assert (p.language, p.shown, p.runnable) == (None, shown, False)
    assert p.reason.startswith(f"{shown}: data, not a program; data: {shown} (from content:")


def test_unrecognised_content_is_skipped_as_before(data):
    assert plan(data, "Status: 200\n", "text").reason == "text: data, not a program"
    assert plan(data, "the model answers\n", "").reason == "the block names no language (a hint can: language=...)"


def test_a_tie_decides_nothing_and_says_so(data):
    p = plan(data, "public class Program {}\n", "")
    assert p.language is None and not p.runnable
    assert p.reason == (
        "the block names no language (a hint can: language=...); "
        "its content fits csharp and java equally (the fence names none)"
    )
    # One more mark of C# breaks the tie.
    assert plan(data, "using System;\npublic class Program {}\n", "").language.name == "csharp"


def test_where_the_label_is_written_is_named(data):
    code = PROGRAMS["python"]
    for source, said in [
        ("directive", "the directive names none"),
        ("indented", "the indented block names none"),
        ("literal", "the `::` block names none"),
        ("html", "the <pre>'s class names none"),
    ]:
        assert said in plan(data, code, "", source).why
    highlighted = Block(Path("p.rst"), 1, 3, "", PROGRAMS["shell"], literal=True, highlight="python", source="literal")
    assert classify(highlighted, data).language.name == "python"  # `.. highlight::` names it: it wins


def test_hint_still_wins(data):
    p = plan(data, PROGRAMS["python"], "", language="bash")
    assert p.language.name == "shell" and p.why == ""


# -- what counts as calling a service -------------------------------------------------------
def test_misspelt_request_call_runs_so_that_it_fails_with_pythons_message(data):
    code = "import requests\n\nresp = request.post(url='<scoring-uri>', data=b'x')\nprint(resp.text)\n"
    assert plan(data, code, "python").runnable
    without_address = "import requests\n\nresp = request.post(url=uri, data=b'x')\n"
    assert plan(data, without_address, "python").runnable  # imports an HTTP library, builds a request


@pytest.mark.parametrize(
    "code",
    [
        "import requests\n",  # imports an HTTP library
        "from urllib import request\n",
        "import json\nuri = '<scoring-uri>'\n",  # names the address
        "import json\nr = reqests.post(uri, json={})\n",  # builds a request, misspelt
    ],
)
def test_a_sample_meant_to_call_a_service_is_runnable(data, code):
    assert plan(data, code, "python").runnable


def test_a_sample_that_calls_nothing_is_still_skipped(data):
    p = plan(data, "import json\nprint(json.dumps({'get': 1}))\nd = {}.get('x')\n", "python")
    assert p.reason == "no HTTP call: not a client of a service"


@pytest.mark.parametrize(
    "code, reason",
    [
        (
            "import json\n\ndef init():\n    global model\n\ndef run(raw_data):\n    return json.loads(raw_data)\n",
            "server-side code (a scoring script with init() and run()): not a client of a service (`def init():`)",
        ),
        (
            "import requests\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.route('/score')\ndef score():\n"
            "    return requests.get('http://x/score').text\n",
            "server-side code (a web app that serves requests): not a client of a service (`Flask(`)",
        ),
        (
            "import requests\nservice = Model.deploy(ws, 'svc', [model])\nrequests.post(service.scoring_uri)\n",
            "deployment code: not a client of a service (`Model.deploy`)",
        ),
    ],
)
def test_server_side_and_deployment_code_is_skipped_with_its_reason(data, code, reason):
    p = plan(data, code, "python")
    assert not p.runnable and p.reason == reason
    assert plan(data, code, "python", run="").runnable  # a run hint still runs it


def test_deployment_and_server_commands_in_shell(data):
    deploy = plan(data, "az ml online-deployment create -f blue.yml\ncurl $SCORING_URI -d @in.json\n", "bash")
    assert deploy.reason.startswith("deployment code: not a client of a service (`az ml online-deployment create")
    serve = plan(data, "mlflow models serve -m runs:/abc/model -p 5000\n", "bash")
    assert serve.reason.startswith("server-side code (starts a model server)")
    # The negative twin: a client that only reads the endpoint's address runs.
    show = plan(data, "curl -X POST <scoring-uri> -d '{}'\naz ml online-endpoint show -n ep\n", "bash")
    assert show.runnable


def test_an_init_alone_is_not_a_scoring_script(data):
    code = "import requests\n\ndef init():\n    pass\n\nrequests.post('<scoring-uri>', json={})\n"
    assert plan(data, code, "python").runnable


def test_detect_file_errors_name_the_file_and_entry(tmp_path):
    bad = tmp_path / "detect.toml"
    bad.write_text('[[skip]]\nwhat = "x"\nmatch = ["("]\n', encoding="utf-8")
    with pytest.raises(DocsError, match=r"detect\.toml: skip\[0\]: bad regular expression"):
        detect.load(bad)
    bad.write_text('[[protocol]]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(DocsError, match=r"protocol\[0\]: needs name and match"):
        detect.load(bad)
    bad.write_text('generics = ["text"]\n', encoding="utf-8")
    with pytest.raises(DocsError, match=r"unknown key\(s\) generics"):
        detect.load(bad)


def test_detect_data_formats_are_formats_of_languages_toml(data):
    assert {rule.what for rule in detect.load().data} <= set(data.formats)
    assert detect.load().weak <= {f for lang in data.languages.values() for f in lang.fences}


# -- today's addresses -------------------------------------------------------------------------
ADDRESSES = [
    ("curl -X POST localhost:8080/v2/models/my-model/infer -d @in.json", "localhost:8080/v2/models/my-model/infer"),
    ("curl -X POST http://127.0.0.1:5000/invocations -d @in.json", "http://127.0.0.1:5000/invocations"),
    ('curl -X POST "$SCORING_URI" -d @in.json', "$SCORING_URI"),
    ('curl -X POST "${SCORING_URI}" -d @in.json', "${SCORING_URI}"),
    (
        "requests.post('https://<endpoint>.<region>.inference.ml.azure.com/score', json=d)",
        "https://<endpoint>.<region>.inference.ml.azure.com/score",
    ),
    (
        'url = "https://<workspace>/serving-endpoints/<name>/invocations"',
        "https://<workspace>/serving-endpoints/<name>/invocations",
    ),
    (
        "curl -H 'Host: x' http://${INGRESS_HOST}:${INGRESS_PORT}/v1/models/$MODEL:predict -d @in.json",
        "http://${INGRESS_HOST}:${INGRESS_PORT}/v1/models/$MODEL:predict",
    ),
    ("curl -d '{}' localhost:8501/v1/models/half_plus_two:predict", "localhost:8501/v1/models/half_plus_two:predict"),
    (
        "curl --url=http://localhost:8080/v2/models/m/versions/2/infer",
        "http://localhost:8080/v2/models/m/versions/2/infer",
    ),
    ('requests.post(f"{base_url}/v2/models/{name}/infer", json=b)', "{base_url}/v2/models/{name}/infer"),
]


@pytest.mark.parametrize("code, address", ADDRESSES)
def test_todays_addresses_are_found_whole_and_replaced(data, code, address):
    found = placeholders.find(code, data.placeholders)
    assert [(f.kind, f.text) for f in found if f.kind == "uri"] == [("uri", address)]
    out = placeholders.replace(code, found, {"uri": "http://stub:1/score", "key": "K"})
    assert "http://stub:1/score" in out and address not in out


@pytest.mark.parametrize(
    "code",
    [
        "docker run -p 8080:8080 -p 8501:8501 server",  # ports, not an address
        'path = "/v2/models/" + name + "/infer"',  # a path with no host
        "echo $SCORING_URIS",  # another variable
        "requests.post(uri, json=d)  # see /invocations in the docs",
    ],
)
def test_what_is_not_an_address_is_left_alone(data, code):
    assert [f for f in placeholders.find(code, data.placeholders) if f.kind == "uri"] == []


@pytest.mark.parametrize(
    "code, scenario",
    [
        ("curl -X POST localhost:8080/v2/models/m/infer -d @in.json\n", "oip-no-auth"),
        ("curl -H 'Authorization: Bearer $TOKEN' localhost:8080/v2/models/m/versions/1/infer -d '{}'\n", "oip-infer"),
        ("curl -X POST http://127.0.0.1:5000/invocations -d @in.json\n", "mlflow-dataframe-split"),
        (
            "curl -H 'Authorization: Bearer dapi0' https://<workspace>/serving-endpoints/e/invocations\n",
            "databricks-token",
        ),
        ("curl https://<workspace>/serving-endpoints/e/invocations -d '{}'\n", "databricks-token"),  # no token: fails
        ("curl -d '{}' localhost:8501/v1/models/m:predict\n", "tfserving-model-server"),  # TF Serving's own port
        ("curl -d '{}' localhost:8080/v1/models/m:predict\n", "tfserving-no-auth"),  # KServe's
        (
            "curl -H 'Host: x' http://${INGRESS_HOST}:${INGRESS_PORT}/v1/models/m:predict -d @in.json\n",
            "tfserving-no-auth",
        ),
        (
            "curl https://ep.westeurope.inference.ml.azure.com/score -H 'Authorization: Bearer x' "
            "-H 'azureml-model-deployment: blue' -d @in\n",
            "aml-online-key-deployment",
        ),
    ],
)
def test_todays_protocols_pick_their_scenario_by_route_and_auth(data, code, scenario):
    p = plan(data, code, "bash")
    assert p.runnable, p.reason
    assert p.scenario == scenario, p.reason


def test_a_protocol_without_a_scenario_is_skipped_saying_so(data):
    # Its address ends in /invocations, as MLflow's does: the protocol is told apart before a scenario is picked.
    code = "curl -X POST https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/e/invocations -d @in.json\n"
    p = plan(data, code, "bash")
    assert (
        not p.runnable
        and p.reason.startswith("protocol Amazon SageMaker runtime")
        and "not supported yet (`" in p.reason
    )


@pytest.mark.parametrize(
    "code, kind, text",
    [
        (
            'curl -H "Host: ${SERVICE_HOSTNAME}" http://${INGRESS_HOST}:${INGRESS_PORT}/v2/models/m/infer',
            "host",
            "${SERVICE_HOSTNAME}",
        ),
        ("headers = {'Host': 'sklearn-iris.kserve-test.example.com'}", "host", "sklearn-iris.kserve-test.example.com"),
        ("headers = {'azureml-model-deployment': 'blue'}", "deployment", "blue"),
        ('-H "azureml-model-deployment: <deployment-name>"', "deployment", "<deployment-name>"),
        ('-H "Authorization: Bearer $DATABRICKS_TOKEN"', "key", "$DATABRICKS_TOKEN"),
        ("token = 'dapi0123456789abcdef0123456789abcdef'", "key", "dapi0123456789abcdef0123456789abcdef"),
        ('token = "<your-databricks-token>"', "key", "<your-databricks-token>"),
    ],
)
def test_todays_hosts_tokens_and_deployments_are_placeholders(data, code, kind, text):
    assert (kind, text) in [(f.kind, f.text) for f in placeholders.find(code, data.placeholders)]


def test_a_lowercase_shell_variable_is_not_taken_for_a_key(data):
    code = 'const h = {Authorization: `Bearer ${token}`, "x-api-key": $api_key}'
    assert [f for f in placeholders.find(code, data.placeholders) if f.kind == "key"] == []


@pytest.mark.parametrize(
    "code",
    [
        'SCORING_URI="<scoring-uri>"\ncurl -X POST "$SCORING_URI" -d @in.json\n',
        "curl -X POST https://my-ep.westeurope.inference.ml.azure.com/score -H 'Authorization: Bearer x' -d @in\n",
    ],
)
def test_azure_ml_addresses_run_with_the_scenario_the_code_asks_for(data, code):
    p = plan(data, code, "bash")
    assert p.runnable, p.reason
    online = "inference.ml.azure.com" in code  # a managed online endpoint, left to its traffic split
    assert p.scenario == ("aml-online-traffic" if online else "json-key" if "Bearer" in code else "json-no-auth")


def test_test_pages_plan(data):
    """The pages written for these tests: every unlabelled client sample is planned to run."""
    for page in ("unlabelled.md", "unlabelled.rst"):
        plans = [classify(b, data) for b in read_page(PAGES / page)]
        runs = {p.language.name for p in plans if p.runnable}
        assert runs == set(PROGRAMS), (page, runs)
        assert all(p.why for p in plans if p.runnable and p.block.fence != "console"), page
