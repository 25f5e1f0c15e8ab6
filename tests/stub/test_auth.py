"""Authentication: none, key (primary/secondary, regenerable) and token (JWT)."""

import time

import pytest


def assert_401(resp, fragment):
    assert resp.status_code == 401, resp.text
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    body = resp.json()
    assert body["status_code"] == 401
    assert fragment in body["message"]


def test_no_auth_accepts_requests_without_credentials(stub):
    assert stub.score().status_code == 200


def test_key_auth_accepts_both_keys_and_refuses_others(make_stub):
    s = make_stub(auth="key", primary_key="primary-1", secondary_key="secondary-1")
    assert s.score(key="primary-1").status_code == 200
    assert s.score(key="secondary-1").status_code == 200
    assert_401(s.score(), "missing Authorization header")
    assert_401(s.score(key="primary-2"), "invalid key")
    assert_401(s.score(headers={"Authorization": "Basic cHJpbWFyeS0x"}), "Bearer <key>")
    assert_401(s.score(headers={"Authorization": "Bearer"}), "Bearer <key>")


def test_auth_is_checked_before_the_body(make_stub):
    s = make_stub(auth="key", primary_key="k")
    assert_401(s.score(data=b"{not json"), "missing Authorization")


def test_regenerating_a_key_invalidates_only_that_key(make_stub):
    s = make_stub(auth="key", primary_key="p", secondary_key="s")
    resp = s.admin("POST", "/services/default/keys/regenerate", json={"key": "primary"})
    assert resp.status_code == 200
    new_primary = resp.json()["auth"]["primaryKey"]
    assert new_primary != "p"
    assert_401(s.score(key="p"), "invalid key")
    assert s.score(key=new_primary).status_code == 200
    assert s.score(key="s").status_code == 200
    assert s.admin("POST", "/services/default/keys/regenerate", json={"key": "tertiary"}).status_code == 400


def test_auth_mode_changes_at_run_time_per_service(stub):
    resp = stub.admin("PUT", "/services/svc-a/auth", json={"mode": "key", "primaryKey": "a-key"})
    assert resp.status_code == 200
    assert resp.json()["auth"] == {
        "mode": "key",
        "primaryKey": "a-key",
        "secondaryKey": resp.json()["auth"]["secondaryKey"],
    }
    assert_401(stub.score(service="svc-a"), "missing Authorization")
    assert stub.score(service="svc-a", key="a-key").status_code == 200
    # Other services keep the start-up default (none).
    assert stub.score(service="svc-b").status_code == 200
    assert stub.admin("PUT", "/services/svc-a/auth", json={"mode": "none"}).status_code == 200
    assert stub.score(service="svc-a").status_code == 200
    assert stub.admin("PUT", "/services/svc-a/auth", json={"mode": "magic"}).status_code == 400
    assert stub.admin("PUT", "/services/svc-a/auth", json={"primaryKey": ""}).status_code == 400


def token_for(stub, service, **body):
    resp = stub.admin("POST", f"/services/{service}/token", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_token_auth_accepts_a_fresh_token(stub):
    stub.admin("PUT", "/services/tok/auth", json={"mode": "token"})
    token = token_for(stub, "tok")
    assert token["tokenType"] == "Bearer"
    assert time.time() < token["refreshAfter"] < token["expiryOn"]
    assert stub.score(service="tok", key=token["accessToken"]).status_code == 200


def test_token_auth_refuses_expired_tampered_and_foreign_tokens(stub):
    for name in ("tok", "other"):
        stub.admin("PUT", f"/services/{name}/auth", json={"mode": "token"})
    expired = token_for(stub, "tok", lifetimeSeconds=-10)["accessToken"]
    assert_401(stub.score(service="tok", key=expired), "expired")
    good = token_for(stub, "tok")["accessToken"]
    header, payload, signature = good.split(".")
    tampered = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
    assert_401(stub.score(service="tok", key=tampered), "signature")
    foreign = token_for(stub, "other")["accessToken"]
    assert_401(stub.score(service="tok", key=foreign), "another service")
    assert_401(stub.score(service="tok", key="not-a-jwt"), "not valid")


def test_tokens_are_only_issued_for_token_services(make_stub):
    s = make_stub(auth="key")
    resp = s.admin("POST", "/services/default/token")
    assert resp.status_code == 409
    assert "key auth" in resp.json()["message"]


@pytest.mark.parametrize("lifetime", ["soon", True, 10**9])
def test_token_lifetime_is_validated(stub, lifetime):
    stub.admin("PUT", "/services/tok/auth", json={"mode": "token"})
    assert stub.admin("POST", "/services/tok/token", json={"lifetimeSeconds": lifetime}).status_code == 400


def test_token_mode_at_start_up(make_stub):
    s = make_stub(auth="token", token_secret="s3cret")
    assert_401(s.score(), "missing Authorization")
    assert s.score(key=token_for(s, "default")["accessToken"]).status_code == 200
