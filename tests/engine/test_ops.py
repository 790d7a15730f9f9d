"""Each op's forward value and local derivative against central finite differences."""

import numpy as np
import pytest

from app.engine import ops, registry
from app.engine.registry import ACTIVATIONS, LOSSES

ELEMENTWISE = [name for name, a in ACTIVATIONS.items() if not a.output_only]
FUNCTIONS = [name for name, a in ACTIVATIONS.items() if a.expression]

H = 1e-6
RNG = np.random.default_rng(0)


def fd_check(forward, grad, xs, k, tol=1e-7):
    """∂forward/∂xs[k] by central differences equals grad(xs, out, k), elementwise."""
    out = forward(xs)
    plus = [x.copy() for x in xs]
    minus = [x.copy() for x in xs]
    plus[k] += H
    minus[k] -= H
    numeric = (forward(plus) - forward(minus)) / (2 * H)
    np.testing.assert_allclose(grad(xs, out, k), numeric, rtol=tol, atol=tol)


def away_from_zero(n):
    """Samples with |x| ≥ 0.1, so kinks (ReLU at 0) stay out of reach of the differences."""
    x = RNG.uniform(0.1, 2.0, n)
    return x * RNG.choice([-1.0, 1.0], n)


def op_check(name, xs, attrs=None, k=None):
    op = ops.OPS[name]
    attrs = attrs or {}
    for i in range(len(xs)) if k is None else [k]:
        fd_check(lambda v: op.forward(v, attrs), lambda v, o, j: op.grad(v, o, j, attrs), xs, i)


@pytest.mark.parametrize("act", ELEMENTWISE)
def test_activation_op(act):
    op_check("act", [away_from_zero(7)], {"activation": act, "slope": 0.05})


def test_softmax_op_every_input_and_output():
    zs = [RNG.normal(size=5) for _ in range(3)]
    for j in range(3):
        op_check("act", zs, {"activation": "softmax", "index": j})


@pytest.mark.parametrize("fan_in", [1, 3])
def test_weighted_sum_op(fan_in):
    # inputs vary per sample; weights and the bias are scalars shared by the batch
    xs = [RNG.normal(size=4) for _ in range(fan_in)] + [
        np.array(RNG.normal()) for _ in range(fan_in + 1)
    ]
    op_check("wsum", xs, {"fan_in": fan_in})


@pytest.mark.parametrize("loss", ["mse", "bce", "cross_entropy"])
def test_loss_op(loss):
    a = [RNG.uniform(0.1, 0.9, 6) for _ in range(2)]
    y = [RNG.uniform(0.0, 1.0, 6) for _ in range(2)]
    for k in range(2):  # derivatives are wrt the predictions only
        op_check("loss", a + y, {"loss": loss}, k=k)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_binary_op(name):
    xs = [RNG.uniform(0.5, 2.0, 5), RNG.uniform(0.5, 2.0, 5)]
    op_check(name, xs)


@pytest.mark.parametrize("name", ["neg", "exp", "log", *FUNCTIONS])
def test_unary_op(name):
    x = RNG.uniform(0.1, 2.0, 5) if name == "log" else away_from_zero(5)
    op_check(name, [x])


def test_softmax_vjp_is_jacobian_times_vector():
    z, v = RNG.normal(size=4), RNG.normal(size=4)
    p = registry.softmax(z)
    jac = np.diag(p) - np.outer(p, p)  # ∂p_j/∂z_k = p_j(δ_jk − p_k), written out in full
    np.testing.assert_allclose(registry.softmax_vjp(p, v), jac.T @ v, rtol=1e-14, atol=1e-15)


def test_softmax_with_cross_entropy_gives_p_minus_y():
    z = RNG.normal(size=(3, 5))
    y = np.eye(3)[:, RNG.integers(0, 3, 5)]
    p = registry.softmax(z, axis=0)
    dz = registry.softmax_vjp(p, LOSSES["cross_entropy"].grad(p, y), axis=0)
    np.testing.assert_allclose(dz, p - y, atol=1e-12)


@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_activations_stable_at_1e4(act):
    z = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4], [1e4, 3.0, -2.0, -1e4, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # harmless underflow aside
        a = registry.activate(act, z, 0.01)
        g = ACTIVATIONS[act].grad(z, a, 0.01)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(g))


@pytest.mark.parametrize("loss", list(LOSSES))
def test_losses_finite_on_saturated_probabilities(loss):
    a, y = np.array([0.0, 1.0, 1e-300]), np.array([1.0, 0.0, 1.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.all(np.isfinite(LOSSES[loss].forward(a, y)))
        assert np.all(np.isfinite(LOSSES[loss].grad(a, y)))


def test_small_sigmoid_is_the_numpy_sigmoid_to_the_bit():
    """A few numbers take Python floats (math.exp) where NumPy's exp is the C library's: the
    same bits as the NumPy formula, over ordinary, saturated, tiny and non-finite inputs."""
    from app.engine.registry import activations as acts

    def reference(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    rng = np.random.default_rng(5)
    cases = [rng.normal(size=(int(rng.integers(1, acts.SMALL + 1)),)) * s for s in
             (1e-300, 1e-3, 1, 8, 40, 700, 1e5) for _ in range(300)]  # fmt: skip
    cases += [np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -745.2, 745.2]),
              rng.normal(size=(2, 3)) * 9]  # fmt: skip
    for z in cases:
        want = reference(z)
        got = acts.sigmoid(z)
        assert got.shape == z.shape and got.dtype == np.float64
        np.testing.assert_array_equal(got.view(np.int64)[~np.isnan(want)],
                                      want.view(np.int64)[~np.isnan(want)])  # fmt: skip
        assert np.array_equal(np.isnan(got), np.isnan(want))
    if acts.LIBM_EXP:  # the Python path was taken, and it is the NumPy formula's
        z = rng.normal(size=acts.SMALL) * 30
        np.testing.assert_array_equal(acts._small_sigmoid(z), reference(z))
