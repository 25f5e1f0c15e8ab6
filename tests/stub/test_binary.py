"""A service that takes raw bytes (an image, a file) instead of JSON rows."""

import hashlib


def binary_service(stub, name="img"):
    resp = stub.admin("PUT", f"/services/{name}/input", json={"mode": "binary"})
    assert resp.status_code == 200 and resp.json()["input"] == "binary"
    return name


def post(stub, service, data, content_type="application/octet-stream"):
    return stub.http.post(
        f"{stub.url}/api/v1/service/{service}/score", data=data, headers={"Content-Type": content_type}, timeout=10
    )


def test_bytes_in_size_and_sha256_out_and_journaled_exactly(stub):
    service = binary_service(stub)
    data = bytes(range(256)) * 3  # not UTF-8
    resp = post(stub, service, data)
    assert resp.status_code == 200
    assert resp.json() == {"size": 768, "sha256": hashlib.sha256(data).hexdigest()}
    (entry,) = stub.journal(service)
    assert entry["bodyEncoding"] == "base64" and ["Content-Type", "application/octet-stream"] in entry["headers"]


def test_binary_service_refuses_json_and_empty_bodies(stub):
    service = binary_service(stub)
    wrong = post(stub, service, b'{"data": [[1]]}', "application/json")
    assert wrong.status_code == 415
    assert wrong.json() == {
        "status_code": 415,
        "message": "Content-Type must be application/octet-stream, got 'application/json'",
    }
    empty = post(stub, service, b"")
    assert empty.status_code == 400 and "empty body" in empty.json()["message"]


def test_other_services_still_take_json(stub):
    binary_service(stub)
    assert stub.score(service="rows").status_code == 200
    assert post(stub, "rows", b"\x89PNG").status_code == 400  # scored as JSON, whatever its label says


def test_input_mode_is_validated_and_reset_with_the_service(stub):
    bad = stub.admin("PUT", "/services/img/input", json={"mode": "video"})
    assert bad.status_code == 400 and "json, binary" in bad.json()["message"]
    binary_service(stub)
    assert stub.admin("DELETE", "/services/img").json()["input"] == "json"


def test_multipart_upload_answers_what_the_file_field_held(stub):
    resp = stub.admin("PUT", "/services/form/input", json={"mode": "multipart"})
    assert resp.status_code == 200
    data = bytes(range(256)) * 2
    url = f"{stub.url}/api/v1/service/form/score"
    ok = stub.http.post(url, files={"images": ("cat.png", data, "image/png")}, timeout=10)
    assert ok.status_code == 200
    assert ok.json() == {
        "field": "images",
        "filename": "cat.png",
        "content_type": "image/png",
        "size": 512,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    wrong_field = stub.http.post(url, files={"image": ("cat.png", data, "image/png")}, timeout=10)
    assert wrong_field.status_code == 400
    assert wrong_field.json()["message"] == "no file field 'images' in the form (fields: 'image')"
    raw = stub.http.post(url, data=data, headers={"Content-Type": "application/octet-stream"}, timeout=10)
    assert raw.status_code == 415
