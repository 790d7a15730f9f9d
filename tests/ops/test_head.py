"""HEAD answers every GET route as GET does (status and headers, security headers included) with
no body: what uptime monitors and load balancers send."""

import pytest

# Differ between any two requests, whatever the method.
PER_REQUEST = {"x-request-id", "date"}

ROUTE_KINDS = {
    "the step-through page": "/",
    "the labs page": "/labs",
    "liveness": "/healthz",
    "the API docs (own CSP)": "/docs",
    "a static module": "/static/js/labs/main.js",
    "a static stylesheet": "/static/css/labs.css",
    "an API GET": "/api/presets",
    "an API GET with a path parameter": "/api/presets/tutorial",
    "the OpenAPI schema": "/openapi.json",
    "a missing page (404)": "/no/such/page",
    "a missing static file (404)": "/static/no-such.js",
}


@pytest.mark.parametrize("path", ROUTE_KINDS.values(), ids=ROUTE_KINDS.keys())
def test_head_has_the_get_status_and_headers_and_no_body(client, path):
    with client.stream("GET", path) as got:
        sent = b"".join(got.iter_raw())  # as sent: the page is compressed for this client
    head = client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(sent) > 0
    same = {k: v for k, v in got.headers.items() if k not in PER_REQUEST}
    assert {k: v for k, v in head.headers.items() if k not in PER_REQUEST} == same
    assert "content-security-policy" in head.headers
    assert head.headers["x-content-type-options"] == "nosniff"


def test_the_docs_keep_their_own_policy_on_head(client):
    policy = client.head("/docs").headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy


def test_head_on_a_post_only_route_is_405_naming_post(client):
    r = client.head("/api/step")
    assert r.status_code == 405 and r.content == b""
    assert r.headers["allow"] == "POST"


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/presets", "/static/js/api.js"])
def test_a_405_on_a_get_route_lists_head_once(client, path):
    methods = [m.strip() for m in client.post(path).headers["allow"].split(",")]
    assert sorted(methods) == ["GET", "HEAD"]


def test_the_access_log_records_the_head_and_no_body_bytes(client, access_lines):
    client.head("/healthz")
    line = access_lines[-1]
    assert (line["method"], line["path"], line["status"], line["bytes"]) == (
        "HEAD",
        "/healthz",
        200,
        0,
    )


def test_head_stays_out_of_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p, ops in paths.items() if "head" in ops]
