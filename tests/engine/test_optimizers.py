"""Every optimizer of the registry against `torch.optim` itself, float64, over 100 iterations.

Random networks and every preset, frozen tensors included (left out of the torch optimizer, as
they are out of ours: no update, no state), for each optimizer and each option. The training
loop's fast path (FullBatch), the mini-batch path, `iterate` / `next_spec` (what a lesson's
iteration k starts from) and the stepped lesson all give torch's numbers.
"""

from dataclasses import replace

import numpy as np
import pytest

from app.engine.lesson import Lesson
from app.engine.mathfmt import Fmt
from app.engine.network import MLPSpec, init_params
from app.engine.presets import PRESETS
from app.engine.registry import ACTIVATIONS, LOSSES, OPTIMIZERS
from app.engine.train import TrainConfig, Trainer
from app.engine.vectorised import next_spec, tensor_names
from tests.oracles_train import require_torch

ITERATIONS = 100
TOL = {"rtol": 1e-12, "atol": 1e-12}

# (optimizer, hyperparameters, learning rate): every option at least once. Learning rates small
# enough that training is not chaotic: there, the last-bit differences of any two correct
# implementations (torch's matmul sums in another order) grow past 1e-12 within 100 steps.
CONFIGS = [
    ("sgd", {}, 0.1),
    ("sgd", {"momentum": 0.9}, 0.02),
    ("sgd", {"momentum": 0.9, "nesterov": True}, 0.02),
    ("sgd", {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.05}, 0.2),
    ("rmsprop", {}, 0.001),
    ("rmsprop", {"momentum": 0.8, "centered": True, "weight_decay": 0.02, "alpha": 0.9}, 0.001),
    ("adam", {}, 0.004),
    ("adam", {"weight_decay": 0.05, "amsgrad": True, "betas": [0.8, 0.99]}, 0.01),
    ("adamw", {}, 0.004),
    ("adamw", {"weight_decay": 0.1, "amsgrad": True, "eps": 1e-6}, 0.01),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in h.items()) or 'defaults'}" for n, h, _ in CONFIGS]


def random_spec(seed: int, frozen=frozenset()) -> MLPSpec:
    rng = np.random.default_rng(seed)
    layers = [int(rng.integers(1, 4)), int(rng.integers(2, 5)), int(rng.integers(1, 4))]
    hidden = ["tanh", "sigmoid", "gelu", "softplus", "elu", "silu"][seed % 6]
    w, b = init_params(layers, "xavier", seed)
    b = [rng.uniform(-0.3, 0.3, x.shape) for x in b]
    x = rng.uniform(-1, 1, (5, layers[0]))
    y = rng.uniform(-1, 1, (5, layers[-1]))
    return MLPSpec(layers, [hidden, "linear"], "mse", w, b, x, y, 0.1, frozenset(frozen))


def preset_spec(name: str) -> MLPSpec:
    sc = PRESETS[name]["scenario"]
    w = [np.array(x, float) for x in sc["weights"]] if "weights" in sc else None
    if w is None:
        init = sc.get("init", {})
        w, b = init_params(sc["layers"], init.get("scheme", "normal"), init.get("seed", 0),
                           init.get("scale", 0.5))  # fmt: skip
    else:
        b = [np.array(x, float) for x in sc["biases"]]
    return MLPSpec(
        list(sc["layers"]), list(sc["activations"]), sc.get("loss", "mse"), w, b,
        np.array(sc["inputs"], float), np.array(sc["targets"], float),
        sc.get("learning_rate", 0.5), frozenset(sc.get("frozen", ())),
        sc.get("leaky_slope", 0.01),
    )  # fmt: skip


def with_optimizer(spec: MLPSpec, name: str, hyper: dict, lr: float) -> MLPSpec:
    return replace(spec, optimizer=name, hyper=dict(hyper), learning_rate=lr)


def torch_train(spec: MLPSpec, iterations: int, batches=None):
    """The same network in PyTorch float64, stepped by torch.optim: losses and parameters."""
    torch = require_torch()
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in spec.weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in spec.biases]
    named = dict(zip(tensor_names(spec.depth), [*ws, *bs], strict=True))
    opt = OPTIMIZERS[spec.optimizer]
    h = opt.resolve(spec.hyper)
    params = [p for name, p in named.items() if name not in spec.frozen]
    optim = getattr(torch.optim, opt.torch)(params, lr=spec.learning_rate, **opt.torch_kwargs(h))
    X, Y = torch.tensor(spec.inputs), torch.tensor(spec.targets)
    # the registry's torch code, compiled once (not once a layer an iteration)
    acts = [compile(ACTIVATIONS[a].torch.format(z="z"), a, "eval") for a in spec.activations]
    per_sample = compile(LOSSES[spec.loss].torch.format(a="a", p="p"), spec.loss, "eval")

    def loss_of(x, y):
        a = x.T
        for w, b, code in zip(ws, bs, acts, strict=True):
            a = eval(code, {"torch": torch, "SLOPE": spec.leaky_slope, "z": w @ a + b[:, None]})
        p = a + (a.clamp(1e-12, 1 - 1e-12) - a).detach()
        per = eval(per_sample, {"torch": torch, "a": a, "Y": y.T, "p": p})
        return per.sum(dim=0).mean()

    losses = []
    for it in range(iterations):
        if batches:  # the loss over all samples before the epoch's updates
            with torch.no_grad():
                losses.append(loss_of(X, Y).item())
        for idx in batches[it] if batches else [slice(None)]:
            optim.zero_grad()
            loss = loss_of(X[idx], Y[idx])
            if not batches:  # one full batch: the loss its gradient is taken of is that loss
                losses.append(loss.item())
            loss.backward()
            optim.step()
    return losses, [w.detach().numpy() for w in ws], [b.detach().numpy() for b in bs], optim


def _flat_position(nd, spec) -> int:
    """Where a parameter node's tensor sits in the flat order W1 … WL, b1 … bL."""
    return tensor_names(spec.depth).index(nd.tensor)


def assert_params(got_w, got_b, want_w, want_b):
    for g, w in zip([*got_w, *got_b], [*want_w, *want_b], strict=True):
        np.testing.assert_allclose(g, w, **TOL)


SPECS = [pytest.param(lambda s=s: random_spec(s), id=f"random{s}") for s in range(3)]
SPECS += [pytest.param(lambda: random_spec(7, {"W1", "b2"}), id="random-frozen")]
SPECS += [pytest.param(lambda name=p: preset_spec(name), id=f"preset-{p}") for p in PRESETS]
# Every option on the networks whose shape can meet an optimizer's: frozen tensors (no update, no
# state), the deepest, softmax with cross-entropy, 1 × 1 tensors and one sample (the tutorial).
# The others (a random network's other activations, xor) each take every fourth option, so each
# option runs on one of them too: their forward and backward passes meet the optimizer only
# through the gradient, which each of their cases checks against torch's.
EVERY_OPTION = {"random-frozen", "preset-deep", "preset-softmax", "preset-tutorial"}
ROTATED = [p.id for p in SPECS if p.id not in EVERY_OPTION]
SPEC_CONFIGS = [
    pytest.param(make.values[0], *config, id=f"{make.id}-{cid}")
    for make in SPECS
    for k, (config, cid) in enumerate(zip(CONFIGS, IDS, strict=True))
    if make.id in EVERY_OPTION or k % len(ROTATED) == ROTATED.index(make.id)
]


@pytest.mark.torch
@pytest.mark.parametrize(("make", "name", "hyper", "lr"), SPEC_CONFIGS)
def test_full_batch_training_matches_torch_optim(make, name, hyper, lr):
    spec = with_optimizer(make(), name, hyper, lr)
    st = Trainer(spec, TrainConfig(epochs=ITERATIONS, time_budget=60)).run()
    assert st.stopped == "epochs" and st.opt_step == ITERATIONS
    losses, want_w, want_b, _ = torch_train(spec, ITERATIONS)
    np.testing.assert_allclose(st.train_loss, losses, **TOL)
    assert_params(st.weights, st.biases, want_w, want_b)
    for name_ in spec.frozen:  # frozen tensors: untouched, and no state
        l = int(name_[1:]) - 1
        kept = spec.weights[l] if name_[0] == "W" else spec.biases[l]
        got = st.weights[l] if name_[0] == "W" else st.biases[l]
        np.testing.assert_array_equal(got, kept)


@pytest.mark.torch
@pytest.mark.parametrize(("name", "hyper", "lr"), CONFIGS, ids=IDS)
def test_mini_batches_match_torch_optim(name, hyper, lr):
    spec = with_optimizer(random_spec(11, {"b1"}), name, hyper, lr)
    cfg = TrainConfig(epochs=30, batch_size=2, shuffle_seed=5, time_budget=60)
    st = Trainer(spec, cfg).run()
    rng = np.random.RandomState(5)  # the trainer's batch order
    m = len(spec.inputs)
    batches = []
    for _ in range(30):
        order = rng.permutation(m)
        batches.append([order[i : i + 2] for i in range(0, m, 2)])
    losses, want_w, want_b, _ = torch_train(spec, 30, batches)
    np.testing.assert_allclose(st.train_loss, losses, **TOL)
    assert_params(st.weights, st.biases, want_w, want_b)
    assert st.opt_step == 30 * 3


@pytest.mark.torch
@pytest.mark.parametrize(("name", "hyper", "lr"), CONFIGS, ids=IDS)
def test_next_spec_carries_the_state_as_torch_does(name, hyper, lr):
    """k − 1 calls of next_spec (what iteration k of a lesson starts from) give torch's
    parameters and torch's optimizer state after k − 1 steps, frozen tensors with none."""
    torch = require_torch()
    spec = with_optimizer(random_spec(4, {"b1"}), name, hyper, lr)
    s = spec
    for _ in range(ITERATIONS):
        s = next_spec(s)
    _, want_w, want_b, optim = torch_train(spec, ITERATIONS)
    assert_params(s.weights, s.biases, want_w, want_b)
    assert s.opt_step == ITERATIONS
    opt = OPTIMIZERS[name]
    slots = opt.slots(opt.resolve(hyper))
    names = [n for n in tensor_names(spec.depth) if n not in spec.frozen]
    offsets, at = {}, 0
    for n_, t in zip(tensor_names(spec.depth), [*spec.weights, *spec.biases], strict=True):
        offsets[n_] = (at, at + t.size)
        at += t.size
    params = optim.param_groups[0]["params"]
    for n_, p in zip(names, params, strict=True):
        a, b = offsets[n_]
        for ours, theirs in slots.items():
            want = optim.state[p][theirs].numpy().ravel()
            np.testing.assert_allclose(s.opt_state[ours][a:b], want, **TOL)
    assert isinstance(torch.optim.Optimizer, type)
    a, b = offsets["b1"]
    for ours in slots:
        assert not s.opt_state[ours][a:b].any()  # frozen: no state


@pytest.mark.parametrize(("name", "hyper", "lr"), CONFIGS, ids=IDS)
def test_stepped_update_equals_the_vectorised_step(name, hyper, lr):
    """The lesson's update steps, one per parameter, from a state carried in at step t = 4,
    give the vectorised update to 1e-12 (the gradients differ in their last bits: a mean of
    per-sample products against a matrix product), and the optimizer's state too."""
    spec = with_optimizer(random_spec(2, {"W2"}), name, hyper, lr)
    for _ in range(3):
        spec = next_spec(spec)
    want = next_spec(spec)
    lesson = Lesson.from_spec(spec)
    state = lesson.state_at(lesson.plan.total)
    g = lesson.graph
    for p in g.params:
        nd = g.nodes[p]
        l = int(nd.tensor[1:]) - 1
        tensor = want.weights[l] if nd.role == "W" else want.biases[l]
        assert state.P[p] == pytest.approx(tensor[nd.index], rel=1e-12, abs=1e-12), nd.id
        offset = sum(t.size for t in [*spec.weights, *spec.biases][: _flat_position(nd, spec)])
        at = offset + int(np.ravel_multi_index(nd.index, tensor.shape))
        for k, v in state.S.items():
            want_state = want.opt_state[k][at] if nd.tensor not in spec.frozen else 0.0
            assert v[p] == pytest.approx(want_state, rel=1e-12, abs=1e-12), (nd.id, k)
    # one step at a time, explained, gives the same bits as whole segments at once
    walked = lesson.walk(precision=12)
    updates = [s for s in walked if s.phase == "update"]
    by_id = {g.nodes[p].id: float(state.P[p]) for p in g.params}
    for s in updates:
        assert s.value == by_id[s.target]


def test_iteration_two_shows_a_velocity_that_is_no_longer_zero():
    """The lesson of the scenario after one update (what iteration 2 starts from) explains its
    velocity from the one the first update left: μ × v₁ + (1 − τ) × g, with v₁ = g₁ ≠ 0."""
    spec = with_optimizer(random_spec(5), "sgd", {"momentum": 0.9}, 0.1)
    first = Lesson.from_spec(spec)
    second = Lesson.from_spec(next_spec(spec))
    last = first.plan.total - 1
    p = first.plan.step(last).target
    v1 = first.state_at(first.plan.total).S["v"][p]
    assert v1 != 0 and v1 == first.state_at(first.plan.total).pgrad[p]  # v ← g at t = 1
    ex = second.at(last + 1, precision=12).steps[0].explanation
    (line,) = ex["lines"]
    assert line["formula"]["text"].startswith("v ← μ · v + (1 − τ) · ∂L/∂")
    assert line["substituted"]["text"].startswith(
        f"v ← 0.900000000000 × {v1:.12f}".replace("-", "−")
    )
    assert "step t = 2" in ex["sentence"] and "carried from the update before" in ex["sentence"]
    first_ex = first.at(last + 1, precision=12).steps[0].explanation
    assert first_ex["lines"][0]["formula"]["text"].startswith("v ← ∂L/∂")  # t = 1: v ← g
    assert "step t = 1: its state starts at zero" in first_ex["sentence"]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "hyper", "lr"), CONFIGS, ids=IDS)
def test_the_page_s_iteration_k_starts_where_torch_optim_is_after_k_minus_1_steps(name, hyper, lr):
    """advance() (the step page's `iteration`) carries the optimizer's state: iteration 6's
    lesson starts from torch.optim's parameters and state after 5 steps, and its update step
    then gives torch's 6th step."""
    from app.engine.iterations import advance

    spec = with_optimizer(random_spec(3, {"b1"}), name, hyper, lr)
    at6 = advance(spec, 5).spec
    assert at6.opt_step == 5
    losses, want_w, want_b, _ = torch_train(spec, 5)
    assert_params(at6.weights, at6.biases, want_w, want_b)
    # the lesson at iteration 6 updates as torch's 6th step does
    lesson = Lesson.from_spec(at6)
    end = lesson.at(lesson.plan.units("pass"), "pass")
    _, w6, b6, _ = torch_train(spec, 6)
    got = {p.id: p.value for p in end.parameters} if hasattr(end, "parameters") else None
    assert got is not None
    flat_w = {
        f"W{l + 1}_{i}_{j}": w6[l][i, j]
        for l in range(len(w6))
        for i in range(w6[l].shape[0])
        for j in range(w6[l].shape[1])
    }
    for pid, want in flat_w.items():
        assert got[pid] == pytest.approx(want, abs=1e-12, rel=1e-12), pid


def test_kept_default_rules_are_those_made_afresh():
    """A stateless optimizer with its defaults keeps its rule by (optimizer, step), for every
    scenario at that step; a rule with state (momentum) is made per scenario, with its state."""
    from app.engine import update_rule
    from app.engine.network import build_graph
    from tests.engine.scenarios import tutorial_spec

    spec = tutorial_spec()
    graph = build_graph(spec)
    for step in (0, 3):
        update_rule._DEFAULTS.clear()
        fresh = update_rule.rule_for(graph, replace(spec, opt_step=step))
        other = replace(
            spec, opt_step=step, learning_rate=2.5, weights=[w + 1 for w in spec.weights]
        )
        kept = update_rule.rule_for(graph, other)
        assert kept is fresh
        assert (kept.opt.name, kept.t, kept.state0, kept.plain) == ("sgd", step + 1, {}, True)
        assert kept.hyper == OPTIMIZERS["sgd"].resolve()
    moving = replace(spec, hyper={"momentum": 0.9})
    a, b = update_rule.rule_for(graph, moving), update_rule.rule_for(graph, moving)
    assert a is not b and not a.plain and set(a.state0) and a.hyper["momentum"] == 0.9


@pytest.mark.parametrize(("name", "hyper", "lr"), CONFIGS, ids=IDS)
def test_every_optimizer_s_update_sentence_says_where_the_parameter_went(name, hyper, lr):
    """A class hears the sentence read aloud: it ends "so W⁽²⁾₁₁ rises." (drops, stays the
    same) as the value moved, never with an arrow standing in for a word (": ↑.")."""
    spec = with_optimizer(random_spec(3), name, hyper, lr)
    lesson = Lesson.from_spec(spec)
    state, g = lesson.state_at(lesson.plan.total), lesson.graph
    for s in (s for s in lesson.walk() if s.phase == "update"):
        p = g.index[s.target]
        who = g.nodes[p].sym.text(Fmt())
        old, new = float(state.P0[p]), float(state.P[p])
        went = "rises" if new > old else "drops" if new < old else "stays the same"
        sentence = s.explanation["sentence"]
        assert sentence.endswith(f", so {who} {went}."), sentence
        assert "↑" not in sentence and "↓" not in sentence and ": =" not in sentence, sentence


def test_rmsprop_s_momentum_buffer_is_named_u_not_b_which_names_the_biases():
    """RMSprop with momentum (centered too) keeps PyTorch's momentum_buffer; written b, it read
    as a bias beside b₁ and b₂ on the graph. It is u in the lines, the sentence, the NumPy
    export and the state's keys, and no state symbol is a letter of the network's names."""
    from app.engine.export import numpy_script
    from app.engine.registry.optimizers import SYMBOLS

    opt = {"momentum": 0.5, "centered": True}
    spec = with_optimizer(random_spec(4), "rmsprop", opt, 0.01)
    lesson = Lesson.from_spec(spec)
    last = lesson.walk()[-1]
    lines = [ln["formula"]["text"] for ln in last.explanation["lines"]]
    assert [ln.split(" ")[0] for ln in lines] == ["v", "ḡ", "u"], lines
    assert lines[2].startswith("u ← μ · u + ∂L/∂")
    assert last.explanation["formula"]["text"].endswith(" − η · u")
    assert "momentum buffer u" in last.explanation["sentence"]
    assert set(OPTIMIZERS["rmsprop"].slots(OPTIMIZERS["rmsprop"].resolve(opt))) == {
        "v",
        "u",
        "g_avg",
    }
    script = numpy_script(spec)
    assert "u_W1 = MOMENTUM * u_W1 + " in script and "b_W1" not in script
    network_letters = {"W", "b", "z", "a", "δ", "x", "y", "ŷ", "s", "p", "L", "ℓ", "f"}
    assert not {s.base for s in SYMBOLS.values()} & network_letters


def test_each_line_names_what_the_lines_before_it_wrote():
    """The lines in symbols (the explanation's and the matrix view's sentence read them): after
    weight decay's line the gradient is g; AdamW's decayed θ is θ itself reassigned, or the name
    the caller gives it, and the last line writes θ."""
    from app.engine.mathfmt import Partial, Sym
    from app.engine.registry.optimizers import symbol_lines

    theta, decayed = Sym("θ"), Sym("θ′")
    grad = Partial(Sym("L"), theta)

    def written(name, hyper, t, *new):
        opt = OPTIMIZERS[name]
        rows = symbol_lines(opt, opt.resolve(hyper), t, theta, grad, *new)
        return [f"{who.text(Fmt())} : {formula.text(Fmt())}" for _, who, formula in rows]

    assert written("sgd", {"momentum": 0.5, "weight_decay": 0.1}, 2) == [
        "g : ∂L/∂θ + λ · θ",
        "v : μ · v + (1 − τ) · g",
        "θ : θ − η · v",
    ]
    adamw = written("adamw", {}, 1, decayed)
    assert adamw[0] == "θ′ : θ · (1 − η · λ)" and adamw[1] == "m : β₁ · m + (1 − β₁) · ∂L/∂θ"
    assert adamw[-1] == "θ : θ′ − η · m̂/(√v̂ + ε)"
    assert written("adamw", {}, 1)[0] == "θ : θ · (1 − η · λ)"
    assert written("adamw", {}, 1)[-1] == "θ : θ − η · m̂/(√v̂ + ε)"
