"""Expressions, the expanded view, check my working, export and import through the API."""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SUM_TIMES_SUM = {
    "kind": "expression",
    "expression": "(a + b) * (b + 1)",
    "values": {"a": 2, "b": 1},
}


def final(client, scenario, **extra):
    total = client.post("/api/graph", json={"scenario": scenario, **extra}).json()
    r = client.post(
        "/api/step",
        json={"scenario": scenario, "cursor": total["plan"]["total_steps"], **extra},
    )
    assert r.status_code == 200, r.text
    return r.json()


def errors(r) -> str:
    assert r.status_code == 422, r.text
    return " | ".join(f"{d['loc']} {d['msg']}" for d in r.json()["detail"])


def test_networks_without_kind_still_work(client, tutorial):
    tutorial.pop("kind", None)
    plain = final(client, tutorial)
    tagged = final(client, {**tutorial, "kind": "mlp"})
    assert plain["parameters"] == tagged["parameters"]
    r = client.post("/api/step", json={"scenario": {**tutorial, "layers": [2, 2, 1]}})
    assert errors(r).startswith("['body', 'scenario']")  # no union tag in the location


def test_expression_graph_and_steps(client):
    g = client.post("/api/graph", json={"scenario": SUM_TIMES_SUM}).json()
    kinds = {n["id"]: (n["kind"], n["op"]) for n in g["nodes"]}
    assert kinds == {
        "var_a": ("param", None),
        "var_b": ("param", None),
        "v1": ("op", "add"),
        "c1": ("input", None),
        "v2": ("op", "add"),
        "f": ("op", "mul"),
    }
    assert {e["id"] for e in g["edges"]} >= {"var_b__v1", "var_b__v2", "v1__f", "v2__f"}
    assert set(g["plan"]["granularities"]["step"]["phase_starts"]) == {"forward", "backward"}
    end = final(client, SUM_TIMES_SUM)
    a, b = 2, 1
    grads = {p["id"]: (p["grad"], p["grad_parts"]) for p in end["parameters"]}
    assert grads == {"var_a": (b + 1, [1, 1]), "var_b": ((b + 1) + (a + b), [2, 2])}
    assert end["loss"]["before"] == (a + b) * (b + 1)  # the output f
    assert end["steps"][0]["explanation"]["formula"]["text"].startswith("∂f/∂b ←")


def test_expression_learning_rate_adds_an_update(client):
    end = final(client, {**SUM_TIMES_SUM, "learning_rate": 0.5, "frozen": ["a"]})
    new = {p["id"]: p["new"] for p in end["parameters"]}
    assert new == {"var_a": None, "var_b": 1 - 0.5 * 5}
    assert end["phase"] == "done"


@pytest.mark.parametrize(
    "preset",
    [
        "sum-times-sum",
        "add-multiply",
        "tanh-neuron",
        "sigmoid-neuron",
        "sigmoid-node",
        "softplus",
        "staged",
    ],
)
def test_every_expression_preset_against_finite_differences(client, preset):
    sc = client.get(f"/api/expressions/presets/{preset}").json()["scenario"]
    end = final(client, sc)
    assert end["diverged"] is None
    f = next(n for n in end["nodes"] if n["id"] == "f")["value"]
    for p in end["parameters"]:
        name = p["id"].removeprefix("var_")
        h = 1e-6 * max(1.0, abs(sc["values"][name]))

        def f_at(v, name=name):
            moved = {**sc, "values": {**sc["values"], name: v}}
            return next(n for n in final(client, moved)["nodes"] if n["id"] == "f")["value"]

        fd = (f_at(sc["values"][name] + h) - f_at(sc["values"][name] - h)) / (2 * h)
        assert p["grad"] == pytest.approx(fd, rel=1e-6, abs=1e-7 * max(1, abs(f))), name


def test_textbook_numbers(client):
    # f = (x + y)·z at x = −2, y = 5, z = −4: f = −12, ∂f/∂x = ∂f/∂y = z, ∂f/∂z = x + y
    sc = client.get("/api/expressions/presets/add-multiply").json()["scenario"]
    end = final(client, sc)
    grads = {p["id"]: p["grad"] for p in end["parameters"]}
    assert grads == {"var_x": -4.0, "var_y": -4.0, "var_z": 3.0}
    # the tanh neuron: output ≈ 1/√2, so 1 − tanh² = ½ and ∂o/∂w₁ = ½·x₁
    sc = client.get("/api/expressions/presets/tanh-neuron").json()["scenario"]
    end = final(client, sc)
    grads = {p["id"]: p["grad"] for p in end["parameters"]}
    o = math.tanh(2 * -3 + 0 * 1 + sc["values"]["b"])
    assert grads["var_w1"] == pytest.approx((1 - o * o) * 2, rel=1e-12)
    assert grads["var_w2"] == 0.0 and grads["var_x2"] == pytest.approx((1 - o * o) * 1, rel=1e-12)


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("(a + b", "this ( is never closed (at character 1)\n(a + b\n^"),
        ("a + b)", "no matching ( (at character 6)"),
        ("__import__('os')", "unexpected character '_' (at character 1)"),
        ("a +", "ends where"),
        ("x" * 30, "longer than 24"),
    ],
)
def test_syntax_errors_point_at_the_character(client, expression, words):
    sc = {"kind": "expression", "expression": expression, "values": {}}
    text = errors(client.post("/api/graph", json={"scenario": sc}))
    assert "['body', 'scenario', 'expression']" in text and words in text


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"values": {"a": 2}}, "no entry for the variable 'b'"),
        ({"values": {"a": 2, "b": 1, "c": 3}}, "'c' is not a variable"),
        ({"values": {"a": 2, "b": float("nan")}}, "values.b"),
        ({"values": {"a": 2, "b": 1e9}}, "values.b"),
        ({"expression": "a" * 501}, "500"),
        ({"frozen": ["z"]}, "frozen[0] is 'z'"),
        ({"learning_rate": -1}, "learning_rate"),
        ({"kind": "sql"}, 'kind must be "mlp"'),
        ({"extra": 1}, "extra"),
    ],
)
def test_expression_scenario_errors_name_the_field(client, changes, words):
    sc = {**SUM_TIMES_SUM, **changes}
    body = json.dumps({"scenario": sc}, allow_nan=True)
    r = client.post("/api/step", content=body, headers={"content-type": "application/json"})
    text = errors(r)
    assert words in text.replace("', '", ".").replace("['", "").replace("']", "") or words in text


def test_expression_sample_must_be_zero(client):
    assert "one sample" in errors(
        client.post("/api/step", json={"scenario": SUM_TIMES_SUM, "sample": 1})
    )


def test_domain_errors_give_null_and_say_where(client):
    sc = {"kind": "expression", "expression": "log(a) * b", "values": {"a": -1, "b": 2}}
    end = final(client, sc)
    assert next(n for n in end["nodes"] if n["id"] == "v1")["value"] is None
    assert end["diverged"]["node"] == "v1" and "domain" in end["diverged"]["message"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet="ab1.()+-*/^ etxplognhsirmu_,$", max_size=40))
def test_any_expression_text_is_a_200_or_a_clear_422(client, expression):
    sc = {"kind": "expression", "expression": expression, "values": {}}
    r = client.post("/api/graph", json={"scenario": sc})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert r.json()["detail"][0]["msg"]


def test_parse_endpoint(client):
    r = client.post("/api/expressions/parse", json={"expression": "tanh(w1*x1 + w1*x2 + b)"})
    assert r.json() == {"variables": ["w1", "x1", "x2", "b"], "operations": 5}
    text = errors(client.post("/api/expressions/parse", json={"expression": "a * * b"}))
    assert "(at character 5)" in text and "a * * b\n    ^" in text


def test_expression_presets_listing(client):
    ids = [p["id"] for p in client.get("/api/expressions/presets").json()]
    assert "sum-times-sum" in ids and "tanh-neuron" in ids
    assert client.get("/api/expressions/presets/nope").status_code == 404


# ── expanded view ──


def test_expanded_view_of_a_network(client, tutorial):
    g = client.post("/api/graph", json={"scenario": tutorial, "expand": True}).json()
    ops = {n["id"]: n["op"] for n in g["nodes"] if n["kind"] == "op"}
    assert ops["p1_0_0"] == "mul" and ops["s1_0_1"] == "add" and ops["z1_0"] == "add"
    assert all(p["edge"] is None for p in g["parameters"])  # weights are nodes here, not edges
    wide = final(client, tutorial, expand=True)
    plain = final(client, tutorial)
    assert wide["parameters"] == plain["parameters"]
    assert wide["loss"] == plain["loss"]


def test_expanded_view_is_limited(client, tutorial):
    big = {
        "layers": [40, 30, 1],
        "activations": ["tanh", "sigmoid"],
        "init": {"seed": 1},
        "inputs": [[0.1] * 40],
        "targets": [[1.0]],
    }
    assert "expand" in errors(client.post("/api/graph", json={"scenario": big, "expand": True}))
    assert client.post("/api/graph", json={"scenario": big}).status_code == 200


# ── check my working ──

PRINTED = [  # the tutorial's own hand calculation, typed in by a student
    ("z1_0", "value", 0.68, 2),
    ("a1_0", "value", 0.6637, 4),
    ("z2_0", "value", 0.6973, 4),
    ("a2_0", "value", 0.6682, 4),
    ("L", "value", 0.0550, 4),
    ("z2_0", "grad", -0.0736, 4),
    ("W2_0_0", "grad", -0.0488, 4),
    ("z1_0", "grad", -0.0148, 4),
    ("W1_0_0", "new", 0.4037, 4),
]


def test_check_flags_the_tutorial_slip(client, tutorial):
    entries = [{"target": t, "quantity": q, "value": v, "decimals": d} for t, q, v, d in PRINTED]
    r = client.post("/api/check", json={"scenario": tutorial, "entries": entries})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["first_slip"] == "value:z1_0"
    first = body["entries"][0]
    assert first["correct"] == pytest.approx(0.4 * 0.5 + 0.6 * 0.8 + 0.1, abs=1e-15)
    assert first["explanation"]["substituted"]["text"].startswith("z₁ = 0.4000 × 0.5000")
    assert "value:a1_0" in body["inherited"] and "new:W1_0_0" in body["inherited"]
    assert body["summary"].startswith("0 of 9 right. The first slip is z₁")


def test_check_errors(client, tutorial):
    bad = {"target": "W9", "quantity": "grad", "value": 1}
    text = errors(client.post("/api/check", json={"scenario": tutorial, "entries": [bad]}))
    assert text.startswith("['body', 'entries', 0, 'target']") and "W1_0_0" in text
    assert "entries" in errors(
        client.post("/api/check", json={"scenario": tutorial, "entries": []})
    )
    one = {"target": "z1_0", "quantity": "value", "value": 0.78}
    r = client.post("/api/check", json={"scenario": tutorial, "entries": [one], "sample": 3})
    assert "sample is 3" in errors(r)
    r = client.post(
        "/api/check", json={"scenario": tutorial, "entries": [{**one, "quantity": "delta"}]}
    )
    assert "quantity" in errors(r)


def test_worksheet_lists_quantities_in_plan_order(client, tutorial):
    qs = client.post("/api/worksheet", json={"scenario": tutorial}).json()["quantities"]
    assert [q["key"] for q in qs[:3]] == ["value:z1_0", "value:a1_0", "value:z2_0"]
    labels = {q["key"]: q["label"]["text"] for q in qs}
    assert labels["grad:z2_0"] == "δ₂" and labels["grad:W1_0_1"] == "∂L/∂W₁₂"
    steps = [q["step"] for q in qs]
    assert steps == sorted(steps)
    qs = client.post("/api/worksheet", json={"scenario": SUM_TIMES_SUM}).json()["quantities"]
    assert [q["label"]["text"] for q in qs][-2:] == ["∂f/∂a", "∂f/∂b"]


# ── export and import ──


@pytest.mark.parametrize("scenario", ["tutorial", "expression"])
def test_json_export_import_round_trip(client, tutorial, scenario):
    sc = tutorial if scenario == "tutorial" else {**SUM_TIMES_SUM, "learning_rate": 0.1}
    r = client.post("/api/export", json={"scenario": sc, "format": "json", "name": "lesson-1"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="lesson-1.json"'
    doc = json.loads(r.text)
    assert doc["format"] == "backstep-scenario" and doc["version"] == 1
    back = client.post("/api/import", json=doc)
    assert back.status_code == 200
    again = back.json()["scenario"]
    assert final(client, again)["parameters"] == final(client, sc)["parameters"]


@pytest.mark.parametrize(
    ("fmt", "needle"), [("numpy", "import numpy as np"), ("pytorch", "loss.backward()")]
)
def test_code_export_downloads(client, tutorial, fmt, needle):
    r = client.post("/api/export", json={"scenario": tutorial, "format": fmt})
    assert r.status_code == 200 and needle in r.text
    assert r.headers["content-type"].startswith("text/x-python")
    assert r.headers["content-disposition"] == f'attachment; filename="backstep_{fmt}.py"'
    compile(
        r.text, "exported.py", "exec"
    )  # valid Python (running it is tests/engine/test_export.py)


def test_expression_code_export(client):
    r = client.post("/api/export", json={"scenario": SUM_TIMES_SUM, "format": "numpy"})
    assert "df_db += df_dv1 * 1.0" in r.text and "df_db += df_dv2 * 1.0" in r.text
    r = client.post("/api/export", json={"scenario": SUM_TIMES_SUM, "format": "pytorch"})
    assert "f.backward()" in r.text


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"format": "other", "version": 1, "scenario": SUM_TIMES_SUM}, "format"),
        ({"format": "backstep-scenario", "version": 2, "scenario": SUM_TIMES_SUM}, "version"),
        ({"format": "backstep-scenario", "version": 1}, "scenario"),
        ({"scenario": {**SUM_TIMES_SUM, "expression": "a +"}}, "ends where"),
    ],
)
def test_import_validates(client, doc, words):
    assert words in errors(client.post("/api/import", json=doc))


def test_export_name_is_checked(client, tutorial):
    r = client.post("/api/export", json={"scenario": tutorial, "format": "json", "name": "../x"})
    assert "name" in errors(r)


@pytest.mark.parametrize(
    ("expression", "values"),
    [
        ("(a*b + c) * f", {"a": 2, "b": -3, "c": 10, "f": -2}),
        ("v1 * v2 + f * out", {"v1": 1.5, "v2": -0.5, "f": 3, "out": 0.25}),
    ],
)
def test_a_variable_named_like_the_output_keeps_its_own_name(client, expression, values):
    """A variable f (or v1, out) never shares its written name with the output or an
    intermediate: ∂·/∂f names the variable alone, and its gradient is the finite difference."""
    sc = {"kind": "expression", "expression": expression, "values": values}
    graph = client.post("/api/graph", json={"scenario": sc}).json()
    names = {n["id"]: n["label"]["text"] for n in graph["nodes"] + graph["parameters"]}
    assert len(names) == len(set(names.values())), names  # one name, one quantity
    out = next(n["label"]["text"] for n in graph["nodes"] if n["id"] == "f")
    assert out not in values
    end = final(client, sc)

    def f_at(name, v):
        moved = {**sc, "values": {**values, name: v}}
        return next(n for n in final(client, moved)["nodes"] if n["id"] == "f")["value"]

    for p in end["parameters"]:
        name = p["id"].removeprefix("var_")
        h = 1e-6 * max(1.0, abs(values[name]))
        fd = (f_at(name, values[name] + h) - f_at(name, values[name] - h)) / (2 * h)
        assert p["grad"] == pytest.approx(fd, rel=1e-6, abs=1e-9)
    # the explanation of ∂/∂f writes the output's name on top and f below
    steps = [
        client.post("/api/step", json={"scenario": sc, "cursor": k}).json()["steps"][-1]
        for k in range(1, graph["plan"]["total_steps"] + 1)
    ]
    texts = [s["explanation"]["result"]["text"] for s in steps]
    if "f" in values:
        want = f"∂{out}/∂f = "
        assert any(t.startswith(want) for t in texts), texts
        assert not any(t.startswith("∂f/∂f") for t in texts)


def _explained(client, expression, values):
    """Every step of the expression's plan (with an update), one answer per cursor."""
    sc = {"kind": "expression", "expression": expression, "values": values, "learning_rate": 0.1}
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    out = []
    for k in range(1, total + 1):
        r = client.post("/api/step", json={"scenario": sc, "cursor": k})
        assert r.status_code == 200 and "NaN" not in r.text and "Infinity" not in r.text
        out.append(r.json()["steps"][-1])
    return out


@pytest.mark.parametrize(
    ("expression", "values"), [("log(x)", {"x": 0}), ("x^y", {"x": 0, "y": 0}), ("x^x", {"x": 0})]
)
def test_a_value_that_is_not_finite_reads_undefined_in_every_text_and_is_null(
    client, expression, values
):
    """log(x) at 0 read "f = NaN", x^x "∂f/∂x = NaN" (classroom review, finding 14): a class
    reads "undefined"; the JSON value stays null, as documented."""
    steps = _explained(client, expression, values)
    undefined = 0
    for step in steps:
        e = step["explanation"]
        for part in ("formula", "substituted", "result"):
            for form in ("text", "latex", "mathml"):
                assert "NaN" not in e[part][form] and "∞" not in e[part][form], e[part]
                assert "infty" not in e[part][form], e[part]
        assert "NaN" not in e["sentence"] and "∞" not in e["sentence"]
        if step["value"] is None:
            undefined += 1
            assert e["result"]["text"].endswith(" = undefined"), e["result"]
            assert e["result"]["latex"].endswith(r"\text{undefined}")
            assert e["result"]["mathml"].endswith(">undefined</mtext></mrow></math>")
    assert undefined >= 2


def test_x_to_the_y_at_zero_says_why_its_slope_in_y_is_zero(client):
    """∂(xʸ)/∂y = xʸ·log x at x = 0 reads "1 × log(0)" yet is 0 (PyTorch's mask): the
    sentence says why; where log x is defined it says nothing of it."""
    at_zero = _explained(client, "x^y", {"x": 0, "y": 0})
    (dy,) = [s for s in at_zero if s["phase"] == "backward" and s["target"] == "var_y"]
    assert dy["explanation"]["substituted"]["text"] == "∂f/∂y = 1 × log(0)"
    assert dy["value"] == 0.0 and dy["explanation"]["result"]["text"] == "∂f/∂y = 0"
    assert dy["explanation"]["sentence"].endswith(
        "Here x = 0, where log x is undefined: this slope is taken as 0 by convention "
        "(PyTorch's too), not computed from the numbers above."
    )
    positive = _explained(client, "x^y", {"x": 2, "y": 3})
    (dy,) = [s for s in positive if s["phase"] == "backward" and s["target"] == "var_y"]
    assert "Here x" not in dy["explanation"]["sentence"]
    assert dy["value"] == pytest.approx(8 * math.log(2), rel=1e-12)
