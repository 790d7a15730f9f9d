"""Training, lab and expression numbers: one bad value gives exactly one error, at that field's
`loc`, naming the limit it broke; bools, strings, NaN and ±Infinity are refused; the OpenAPI
schema calls each of them a number (not "number or integer")."""

import json

import pytest

from app.engine.presets import get_preset

XOR = get_preset("xor")["scenario"]
TUTORIAL = get_preset("tutorial")["scenario"]
DATASET = {"name": "moons", "samples": 20}

# (path, a valid body, field, a value past its limit, the words of that limit)
FIELDS = [
    ("/api/datasets", DATASET, "noise", 3, "less than or equal to 2"),
    ("/api/datasets", DATASET, "test_fraction", 1, "less than or equal to 0.9"),
    ("/api/train", {"scenario": XOR}, "target_loss", -1, "greater than or equal to 0"),
    ("/api/train", {"scenario": XOR}, "time_budget", 11, "less than or equal to 10"),
    ("/api/train", {"scenario": XOR}, "clip_norm", 0, "greater than 0"),
    ("/api/train/stream", {"scenario": XOR}, "time_budget", 61, "less than or equal to 60"),
    ("/api/gradcheck", {"scenario": TUTORIAL}, "eps", 0.1, "less than or equal to 0.01"),
    ("/api/labs/exploding", {}, "scale", 11, "less than or equal to 10"),
    ("/api/labs/exploding", {}, "learning_rate", 0, "greater than 0"),
    ("/api/labs/exploding", {}, "clip_norm", 1001, "less than or equal to 1000"),
    ("/api/labs/dead-relu", {}, "bias", -11, "greater than or equal to -10"),
    ("/api/labs/dead-relu", {}, "learning_rate", -1, "greater than 0"),
    ("/api/labs/dead-relu", {}, "slope", 1, "less than 1"),
    ("/api/labs/zero-grad", {}, "learning_rate", 11, "less than or equal to 10"),
    ("/api/labs/activations", {}, "lo", -51, "greater than or equal to -50"),
    ("/api/labs/activations", {}, "hi", 51, "less than or equal to 50"),
]
IDS = [f"{path.rsplit('/', 1)[-1]}.{field}" for path, _, field, _, _ in FIELDS]
# Not a number at all: the type is named, and nothing else.
NOT_NUMBERS = {"true": "valid number", '"1"': "valid number", "[1]": "valid number"}
NON_FINITE = {"NaN": "finite number", "Infinity": "finite number", "-Infinity": "finite number"}


def post_raw(client, path: str, body: dict, field: str, literal: str):
    """The body with `field` set to a raw JSON literal (NaN and Infinity as Python writes them)."""
    text = json.dumps({**body, field: "__X__"}).replace('"__X__"', literal)
    return client.post(path, content=text, headers={"content-type": "application/json"})


def only_error(response) -> dict:
    assert response.status_code == 422, response.text
    (err,) = response.json()["detail"]  # exactly one
    return err


@pytest.mark.parametrize(("path", "body", "field", "past", "limit"), FIELDS, ids=IDS)
def test_a_value_past_the_limit_is_one_error_naming_the_limit(
    client, path, body, field, past, limit
):
    err = only_error(client.post(path, json={**body, field: past}))
    assert err["loc"] == ["body", field]
    assert limit in err["msg"], err


@pytest.mark.parametrize(("path", "body", "field", "past", "limit"), FIELDS, ids=IDS)
@pytest.mark.parametrize("literal", [*NOT_NUMBERS, *NON_FINITE])
def test_bools_strings_and_non_finite_numbers_are_one_error(
    client, path, body, field, past, limit, literal
):
    err = only_error(post_raw(client, path, body, field, literal))
    assert err["loc"] == ["body", field]
    assert {**NOT_NUMBERS, **NON_FINITE}[literal] in err["msg"], err


def test_whole_numbers_are_numbers(client):
    r = client.post("/api/labs/activations", json={"lo": -3, "hi": 3, "points": 7})
    assert r.status_code == 200
    assert r.json()["activations"][0]["z"] == [-3, -2, -1, 0, 1, 2, 3]
    r = client.post("/api/datasets", json={**DATASET, "noise": 1, "test_fraction": 0})
    assert r.status_code == 200 and len(r.json()["inputs"]) == 20


def test_expression_learning_rate_is_one_error(client):
    sc = client.get("/api/expressions/presets/sum-times-sum").json()["scenario"]
    for literal in ("true", '"0.1"', "NaN", "-1"):
        text = json.dumps({"scenario": {**sc, "learning_rate": "__X__"}})
        r = client.post(
            "/api/graph",
            content=text.replace('"__X__"', literal),
            headers={"content-type": "application/json"},
        )
        err = only_error(r)
        assert err["loc"][-1] == "learning_rate" and err["loc"][:2] == ["body", "scenario"], err


def schema_of(openapi: dict, ref_or_schema: dict) -> dict:
    if "$ref" in ref_or_schema:
        return openapi["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    return ref_or_schema


def test_the_openapi_schema_says_number_with_the_limits(client):
    openapi = client.get("/openapi.json").json()
    for path, _, field, past, _ in FIELDS:
        body = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        prop = schema_of(openapi, body["schema"])["properties"][field]
        # optional fields are "number or null"; never "number or integer"
        kinds = [s for s in prop.get("anyOf", [prop]) if s.get("type") != "null"]
        assert len(kinds) == 1 and kinds[0]["type"] == "number", (path, field, prop)
        bounds = {k: v for k, v in kinds[0].items() if "imum" in k}
        assert bounds, (path, field, prop)
        # the value past the limit breaks one of the published bounds
        assert any(
            (k == "maximum" and past > v)
            or (k == "exclusiveMaximum" and past >= v)
            or (k == "minimum" and past < v)
            or (k == "exclusiveMinimum" and past <= v)
            for k, v in bounds.items()
        ), (path, field, bounds)
