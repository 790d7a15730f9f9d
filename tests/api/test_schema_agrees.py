"""The schema says what the server accepts: integral floats are integers, an empty test set is no
test set, errors are found once where they are, and no message echoes a 4,000-digit input."""

import json

import pytest

from app.engine.presets import get_preset
from app.main import create_app
from app.settings import Settings

XOR = get_preset("xor")["scenario"]
TUTORIAL = get_preset("tutorial")["scenario"]
HUGE = "7" * 4000


def raw(client, path: str, text: str):
    return client.post(path, content=text, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/labs/vanishing", '{"seed": 33547.0, "depth": 3.0}'),
        ("/api/labs/zero-grad", '{"iterations": 2.0}'),
        ("/api/step", f'{{"scenario": {json.dumps(TUTORIAL)}, "cursor": 1.0, "sample": 0.0}}'),
        ("/api/datasets", '{"name": "xor", "samples": 4.0}'),
    ],
)
def test_an_integral_float_is_an_integer_as_json_schema_says(client, path, body):
    assert raw(client, path, body).status_code == 200


@pytest.mark.parametrize("value", ["3.5", "true", '"3"', "1e400"])
def test_other_non_integers_stay_refused_once(client, value):
    r = raw(client, "/api/labs/vanishing", f'{{"seed": {value}}}')
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "seed"]]


def test_layer_widths_are_bounds_the_schema_states():
    layers = create_app(Settings(access_log=False)).openapi()["components"]["schemas"]["Scenario"]
    assert layers["properties"]["layers"]["items"] == {
        "type": "integer",
        "minimum": 1.0,
        "maximum": 64.0,
    }


def test_an_empty_test_set_is_no_test_set(client):
    body = {"scenario": XOR, "epochs": 2, "test_inputs": [], "test_targets": []}
    r = client.post("/api/train", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["test_loss"] is None


@pytest.mark.parametrize(
    ("test_inputs", "test_targets", "words"),
    [
        ([[0, 0]], [], "test_targets has 0 rows but test_inputs has 1 samples"),
        ([[0, 0, 1]], [[1]], "test_inputs[0] has 3 values; layers[0] is 2"),
        ([[0, 0]], [[1, 0]], "test_targets[0] has 2 values; layers[-1] is 1"),
    ],
)
def test_a_bad_test_set_is_one_error_naming_the_field(client, test_inputs, test_targets, words):
    body = {"scenario": XOR, "test_inputs": test_inputs, "test_targets": test_targets}
    r = client.post("/api/train", json=body)
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert words in err["msg"]


@pytest.mark.parametrize("field", ["sample", "cursor", "since"])
def test_a_4000_digit_integer_is_not_echoed_whole(client, field):
    r = raw(client, "/api/step", f'{{"scenario": {json.dumps(TUTORIAL)}, "{field}": {HUGE}}}')
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert "777777777777… (4,000 digits)" in err["msg"] and len(err["msg"]) < 200, err


def test_a_long_csv_cell_is_not_echoed_whole(client):
    r = client.post("/api/datasets", json={"csv": "x," + "y" * 5000 + "\n1," + "z" * 5000})
    assert r.status_code == 422
    assert all(len(e["msg"]) < 200 for e in r.json()["detail"]), r.text


def test_expression_values_name_only_variables_in_the_schema_too():
    doc = create_app(Settings(access_log=False)).openapi()
    values = doc["components"]["schemas"]["ExpressionScenario"]["properties"]["values"]
    assert values["additionalProperties"] is False
