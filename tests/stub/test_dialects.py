"""The ModelArts and classic Studio dialects: routes, real answers, their own error forms, batch jobs."""

import json
import math
import time

import pytest

from tests.conftest import PAGE_PREDICTIONS, PAGE_ROWS, ROOT

IRIS = json.loads((ROOT / "server_stub" / "models" / "iris.json").read_text())
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
RECORD = {"sepal_length": 3, "sepal_width": 1, "petal_length": 2.2, "petal_width": 4}
TABLE = {"Inputs": {"input1": {"ColumnNames": FEATURES, "Values": PAGE_ROWS}}, "GlobalParameters": {}}


def infer(stub, body, token="k1", service="iris", headers=None):
    h = {"Content-Type": "application/json", **({"X-Auth-Token": token} if token else {}), **(headers or {})}
    return stub.http.post(f"{stub.url}/v1/infers/{service}", data=json.dumps(body), headers=h, timeout=10)


def classic(stub, method, tail, body=None, key="k1", query="?api-version=2.0", service="svc"):
    h = {"Authorization": f"Bearer {key}"} if key else {}
    if body is not None:
        h["Content-Type"] = "application/json"
    url = f"{stub.url}/workspaces/ws/services/{service}{tail}{query}"
    return stub.http.request(method, url, data=None if body is None else json.dumps(body), headers=h, timeout=10)


@pytest.fixture
def keyed(make_stub):
    return make_stub(auth="key", primary_key="k1", secondary_key="k2")


# -- ModelArts -------------------------------------------------------------------------
def test_modelarts_answers_in_its_envelope_with_the_classifiers_prediction(keyed):
    resp = infer(keyed, {"meta": {"uuid": "u-1"}, "data": {"req_data": [RECORD]}})
    assert resp.status_code == 200
    assert resp.json() == {
        "meta": {"uuid": "u-1"},
        "data": {"resp_data": [{**RECORD, "predictresult": IRIS["example"]["predictions"][0]}]},
    }


def test_modelarts_predictions_are_scikit_learns_for_typical_flowers(keyed):
    records = [dict(zip(IRIS["feature_names"], row)) for row in IRIS["example"]["data"]]
    resp = infer(keyed, {"meta": {"uuid": "u"}, "data": {"req_data": records}})
    got = [r["predictresult"] for r in resp.json()["data"]["resp_data"]]
    assert got == IRIS["example"]["predictions"] == ["virginica", "setosa", "versicolor", "virginica"]


def test_modelarts_probabilities_match_scikit_learn():
    from server_stub.model import Classifier

    model = Classifier.load()
    for row, want in zip(IRIS["example"]["data"], IRIS["example"]["probabilities"]):
        assert all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(model.probabilities(row), want))


@pytest.mark.parametrize(
    "token, code, fragment",
    [(None, "APIG.1002", "no X-Auth-Token header"), ("wrong", "APIG.0301", "invalid key")],
)
def test_modelarts_refuses_a_missing_or_wrong_token_in_its_own_error_form(keyed, token, code, fragment):
    resp = infer(keyed, {"data": {"req_data": [RECORD]}}, token=token)
    assert resp.status_code == 401
    body = resp.json()
    assert set(body) == {"error_code", "error_msg"} and body["error_code"] == code and fragment in body["error_msg"]


def test_modelarts_takes_the_secondary_key_and_ignores_an_authorization_header(keyed):
    assert infer(keyed, {"data": {"req_data": [RECORD]}}, token="k2").status_code == 200
    assert (
        infer(keyed, {"data": {"req_data": [RECORD]}}, token=None, headers={"Authorization": "Bearer k1"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        ([RECORD], 400, "body must be"),
        ({"data": {"req_data": []}}, 400, "non-empty array"),
        ({"meta": {"uuid": 5}, "data": {"req_data": [RECORD]}}, 400, '"uuid" is a string'),
        ({"data": {"req_data": [{"sepal_length": 1}]}}, 400, "no field 'sepal_width'"),
        ({"data": {"req_data": [{**RECORD, "petal_width": "4"}]}}, 400, "req_data[0].petal_width is a string"),
        ({"data": {"req_data": [7]}}, 400, "req_data[0] is a number"),
    ],
)
def test_modelarts_bad_bodies_name_the_fault(keyed, body, status, fragment):
    resp = infer(keyed, body)
    assert resp.status_code == status and fragment in resp.json()["error_msg"], resp.text


def test_modelarts_wrong_content_type_is_415_and_everything_is_journaled_under_the_service(keyed):
    resp = infer(keyed, {"data": {"req_data": [RECORD]}}, headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415 and resp.json()["error_code"] == "ModelArts.4001"
    (entry,) = keyed.journal("iris")
    assert entry["path"] == "/v1/infers/iris" and entry["response"]["status"] == 415


# -- classic Request-Response -------------------------------------------------------
def test_classic_execute_scores_the_table_as_strings_with_details(keyed):
    resp = classic(keyed, "POST", "/execute", TABLE, query="?api-version=2.0&details=true")
    assert resp.status_code == 200
    value = resp.json()["Results"]["output1"]["value"]
    assert resp.json()["Results"]["output1"]["type"] == "table"
    assert value["ColumnNames"] == [*FEATURES, "Scored Labels"] and value["ColumnTypes"] == ["Numeric"] * 11
    scored = [float(row[-1]) for row in value["Values"]]
    assert all(isinstance(v, str) for row in value["Values"] for v in row)
    assert all(abs(a - b) < 1e-3 for a, b in zip(scored, PAGE_PREDICTIONS))
    assert [[float(v) for v in row[:-1]] for row in value["Values"]] == PAGE_ROWS


def test_classic_execute_maps_columns_by_name_and_takes_numeric_strings(keyed):
    shuffled = list(reversed(FEATURES)) + ["note"]
    rows = [[str(v) for v in reversed(r)] + ["hello"] for r in PAGE_ROWS]
    body = {"Inputs": {"input1": {"ColumnNames": shuffled, "Values": rows}}, "GlobalParameters": {}}
    resp = classic(keyed, "POST", "/execute", body)
    value = resp.json()["Results"]["output1"]["value"]
    assert set(value) == {"Values"}  # no details asked for
    assert [r[-2] for r in value["Values"]] == ["hello", "hello"]
    assert all(abs(float(r[-1]) - p) < 1e-3 for r, p in zip(value["Values"], PAGE_PREDICTIONS))


@pytest.mark.parametrize(
    "body, query, status, code, fragment",
    [
        (TABLE, "", 400, "BadArgument", "api-version=2.0"),
        (TABLE, "?api-version=1.0", 400, "BadArgument", "api-version='1.0'"),
        ({"Inputs": [1]}, "?api-version=2.0", 400, "BadArgument", "body must be"),
        (
            {"Inputs": {"input1": {"ColumnNames": FEATURES[:9], "Values": [r[:9] for r in PAGE_ROWS]}}},
            "?api-version=2.0",
            400,
            "MissingInputColumn",
            "s6",
        ),
        (
            {"Inputs": {"input1": {"ColumnNames": FEATURES, "Values": [PAGE_ROWS[0][:9]]}}},
            "?api-version=2.0",
            400,
            "BadArgument",
            "row 1 must have 10 values",
        ),
        (
            {"Inputs": {"input1": {"ColumnNames": FEATURES, "Values": [["x", *PAGE_ROWS[0][1:]]]}}},
            "?api-version=2.0",
            400,
            "BadArgument",
            'row 1, column age is "x"',
        ),
    ],
)
def test_classic_errors_come_in_its_own_form(keyed, body, query, status, code, fragment):
    resp = classic(keyed, "POST", "/execute", body, query=query)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == code and fragment in error["message"], error


def test_classic_wrong_key_is_401_with_a_bearer_challenge(keyed):
    resp = classic(keyed, "POST", "/execute", TABLE, key="nope")
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"] == "Bearer"
    assert resp.json()["error"]["code"] == "Unauthorized"


# -- classic Batch Execution ----------------------------------------------------------
def set_jobs(stub, service="svc", **settings):
    resp = stub.admin("PUT", f"/services/{service}/jobs", json=settings)
    assert resp.status_code == 200, resp.text
    return resp.json()


def status(stub, job):
    resp = classic(stub, "GET", f"/jobs/{job}")
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_job_goes_not_started_running_finished_with_results(keyed):
    set_jobs(keyed, seconds=0.3, nextId="job-1")
    submitted = classic(keyed, "POST", "/jobs", TABLE)
    assert submitted.status_code == 200 and submitted.json() == "job-1"
    assert status(keyed, "job-1") == {"StatusCode": "NotStarted", "Results": None, "Details": None}
    assert classic(keyed, "POST", "/jobs/job-1/start").status_code == 200
    assert status(keyed, "job-1")["StatusCode"] == "Running"
    time.sleep(0.35)
    done = status(keyed, "job-1")
    assert done["StatusCode"] == "Finished" and done["Details"] is None
    scored = [float(r[-1]) for r in done["Results"]["output1"]["value"]["Values"]]
    assert all(abs(a - b) < 1e-3 for a, b in zip(scored, PAGE_PREDICTIONS))


def test_a_failing_job_ends_failed_with_its_message_and_ids_are_random_by_default(keyed):
    set_jobs(keyed, seconds=0, fail="Error 0085: bad column")
    job = classic(keyed, "POST", "/jobs", TABLE).json()
    assert len(job) == 32 and job != classic(keyed, "POST", "/jobs", TABLE).json()
    classic(keyed, "POST", f"/jobs/{job}/start")
    assert status(keyed, job) == {"StatusCode": "Failed", "Results": None, "Details": "Error 0085: bad column"}


def test_job_errors_unknown_job_double_start_and_cancel(keyed):
    missing = classic(keyed, "GET", "/jobs/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "JobNotFound"
    set_jobs(keyed, nextId="j")
    classic(keyed, "POST", "/jobs", TABLE)
    assert classic(keyed, "POST", "/jobs/j/start").status_code == 200
    again = classic(keyed, "POST", "/jobs/j/start")
    assert again.status_code == 409 and again.json()["error"]["code"] == "JobAlreadyStarted"
    assert classic(keyed, "DELETE", "/jobs/j").status_code == 200
    assert status(keyed, "j")["StatusCode"] == "Cancelled"
    bad = classic(keyed, "POST", "/jobs", {"Inputs": {}})
    assert bad.status_code == 400 and "error" in bad.json()


@pytest.mark.parametrize(
    "settings, fragment",
    [({"seconds": -1}, "seconds"), ({"seconds": True}, "seconds"), ({"fail": ""}, "fail"), ({"when": 1}, "unknown")],
)
def test_job_settings_are_validated(keyed, settings, fragment):
    resp = keyed.admin("PUT", "/services/svc/jobs", json=settings)
    assert resp.status_code == 400 and fragment in resp.json()["message"]


def test_resetting_a_service_forgets_its_jobs_and_admin_lists_them(keyed):
    set_jobs(keyed, nextId="j")
    classic(keyed, "POST", "/jobs", TABLE)
    listed = keyed.admin("GET", "/services/svc/jobs").json()
    assert [j["id"] for j in listed["jobs"]] == ["j"] and listed["jobs"][0]["StatusCode"] == "NotStarted"
    keyed.admin("DELETE", "/services/svc")
    assert keyed.admin("GET", "/services/svc/jobs").json() == {
        "settings": {"seconds": 2.0, "fail": None, "nextId": None},
        "jobs": [],
    }
    assert [e["path"] for e in keyed.journal("svc")] == []
