"""Datasets: determinism, shapes, the geometry each name promises, splits and user CSV."""

import math

import numpy as np
import pytest

from app.engine.datasets import (
    DATASET_INFO,
    DatasetError,
    from_points,
    generate,
    make_dataset,
    parse_csv,
)


@pytest.mark.parametrize("name", list(DATASET_INFO))
def test_same_seed_same_points_other_seed_other_points(name):
    a, b = generate(name, 40, 0.1, 3), generate(name, 40, 0.1, 3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = generate(name, 40, 0.1, 4)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("name", list(DATASET_INFO))
def test_shapes_and_labels(name):
    x, y = generate(name, 30, 0.05, 0)
    info = DATASET_INFO[name]
    assert x.shape == (30, 1 if name == "sine" else 2)
    assert np.isfinite(x).all() and np.isfinite(y).all()
    if info["classes"] == 3:
        assert y.shape == (30, 3) and (y.sum(axis=1) == 1).all()
        assert sorted(set(np.argmax(y, axis=1))) == [0, 1, 2]
    elif info["classes"] == 2:
        assert y.shape == (30, 1) and set(y[:, 0]) == {0.0, 1.0}


def test_xor_is_the_tutorial_data():
    x, y = generate("xor")
    np.testing.assert_array_equal(x, np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float))
    np.testing.assert_array_equal(y[:, 0], [a ^ b for a, b in [(0, 0), (0, 1), (1, 0), (1, 1)]])


@pytest.mark.parametrize("name,op", [("and", lambda a, b: a & b), ("or", lambda a, b: a | b)])
def test_gates_follow_their_truth_table(name, op):
    x, y = generate(name, 8)
    for (a, b), t in zip(x.astype(int), y[:, 0], strict=True):
        assert t == op(a, b)


def test_circle_without_noise_separates_by_radius():
    x, y = generate("circle", 100, 0.0, 1)
    r = np.hypot(x[:, 0], x[:, 1])
    assert (r[y[:, 0] == 1] <= 0.5).all() and (r[y[:, 0] == 0] >= 0.7).all()


def test_sine_without_noise_is_sine():
    x, y = generate("sine", 50, 0.0, 2)
    np.testing.assert_allclose(y[:, 0], np.sin(x[:, 0]), rtol=0, atol=1e-15)
    assert (np.abs(x) <= math.pi).all()


def test_spirals_without_noise_arms_are_half_a_turn_apart():
    x, y = generate("spirals", 60, 0.0, 5)
    r = np.hypot(x[:, 0], x[:, 1])
    # the two arms at the same radius point in opposite directions: a rotation by π maps one to the other
    arm0 = x[y[:, 0] == 0]
    arm1 = x[y[:, 0] == 1]
    assert len(arm0) == len(arm1) == 30 and (r <= 1 + 1e-12).all()
    theta0 = np.mod(
        np.arctan2(arm0[:, 1], arm0[:, 0]) - np.hypot(*arm0.T) * 3 * math.pi, 2 * math.pi
    )
    theta1 = np.mod(
        np.arctan2(arm1[:, 1], arm1[:, 0]) - np.hypot(*arm1.T) * 3 * math.pi, 2 * math.pi
    )
    np.testing.assert_allclose(np.minimum(theta0, 2 * math.pi - theta0), 0, atol=1e-9)
    np.testing.assert_allclose(theta1, math.pi, atol=1e-9)


def test_split_is_a_partition_and_seeded():
    full_x, full_y = generate("moons", 100, 0.1, 7)
    ds = make_dataset("moons", 100, 0.1, 7, test_fraction=0.25)
    assert len(ds.inputs) == 75 and len(ds.test_inputs) == 25
    joined = np.vstack([ds.inputs, ds.test_inputs])
    assert sorted(map(tuple, joined)) == sorted(map(tuple, full_x))
    again = make_dataset("moons", 100, 0.1, 7, test_fraction=0.25)
    np.testing.assert_array_equal(ds.test_inputs, again.test_inputs)


def test_no_split_keeps_every_point_in_order():
    ds = make_dataset("clusters3", 30, 0.0, 1)
    np.testing.assert_array_equal(ds.inputs, generate("clusters3", 30, 0.0, 1)[0])
    assert ds.test_inputs.shape == (0, 2)


def test_csv_parses_header_inputs_and_label():
    header, x, y = parse_csv("x1, x2 ,label\n0.5,1,0\n-2,3e-1,1\n", 100, 8, 1e6)
    assert header == ["x1", "x2", "label"]
    np.testing.assert_array_equal(x, [[0.5, 1.0], [-2.0, 0.3]])
    np.testing.assert_array_equal(y, [[0.0], [1.0]])


def test_csv_reports_every_bad_row():
    with pytest.raises(DatasetError) as e:
        parse_csv("a,b,y\n1,2,0\n1,x,1\n1,2\n1,2,nan\n1,2,1e9\n", 100, 8, 1e6)
    assert e.value.errors == [
        "row 2, column 'b': 'x' is not a number",
        "row 3: expected 3 values (a,b,y), got 2",
        "row 4, column 'y': 'nan' is not a number",
        "row 5, column 'y': |1e+09| is over the limit 1e+06",
    ]


@pytest.mark.parametrize(
    "text,needle",
    [
        ("", "empty"),
        ("1,2,3\n4,5,6", "header"),
        ("x,y\n", "no data rows"),
        ("x\n1", "at least 2 columns"),
        ("x,y\n" + "1,0\n" * 11, "limit is 10"),
    ],
)
def test_csv_structural_errors(text, needle):
    with pytest.raises(DatasetError) as e:
        parse_csv(text, 10, 8, 1e6)
    assert needle in str(e.value)


def test_user_points_labels_must_be_class_numbers():
    with pytest.raises(DatasetError) as e:
        from_points(np.zeros((3, 2)), np.array([0, 1.5, -1]), "classification")
    assert e.value.errors == [
        "row 2: label 1.5 is not a class number 0, 1, 2, …",
        "row 3: label -1 is not a class number 0, 1, 2, …",
    ]


def test_user_points_three_classes_become_one_hot():
    ds = from_points(np.zeros((3, 2)), np.array([0, 2, 1]), "classification")
    np.testing.assert_array_equal(ds.targets, np.eye(3)[[0, 2, 1]])
    reg = from_points(np.zeros((2, 1)), np.array([0.5, -3.0]), "regression")
    np.testing.assert_array_equal(reg.targets, [[0.5], [-3.0]])
