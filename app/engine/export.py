"""Code export: one iteration of a network as a self-contained NumPy or PyTorch script.

The NumPy script follows the tutorial's program (columns are samples, the chain rule by hand, the
gradients divided by m as in its XOR loop); the PyTorch script follows its `loss.backward()`
example, in float64 so both reproduce the engine's numbers to the last digits. Both print one line
per quantity, `name = <JSON>`, which `parse_output` reads back.

`convention="rows"` writes both in PyTorch's layout instead: one row per sample, Z = X @ W.T + b,
∂L/∂W = δᵀ A / m, ∂L/∂A = δ W (W stays (out, in) as nn.Linear keeps it); every per-sample
quantity it prints is the transpose of the columns script's.
"""

from __future__ import annotations

import json
import textwrap

import numpy as np

from app.engine.mathfmt import Fmt
from app.engine.network import MLPSpec
from app.engine.notation import Notation
from app.engine.registry import ACTIVATIONS, EPS, LOSSES
from app.engine.vectorised import flat_offsets, optimizer_of, plain_sgd, start_state


def literal(a) -> str:
    """A nested list of floats that Python reads back bit for bit."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return repr(float(a))
    return "[" + ", ".join(literal(x) for x in a) + "]"


def parse_output(text: str) -> dict[str, object]:
    """`name = <JSON>` lines → {name: value}; other lines are ignored."""
    out: dict[str, object] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(" = ")
        if sep and name.isidentifier():
            out[name] = json.loads(value)
    return out


SHOW_ALL_NAMES = 12  # a tensor with more entries names only its first and last


def names(nt: Notation, tensor: str) -> str:
    """The page's names of a tensor's entries, row by row: W⁽¹⁾₁₁ W⁽¹⁾₁₂ | W⁽¹⁾₂₁ W⁽¹⁾₂₂."""
    ids = nt.tensor_ids(tensor)
    flat = [i for row in ids for i in row]
    if len(flat) > SHOW_ALL_NAMES:
        return f"{nt.text(flat[0])} … {nt.text(flat[-1])}"
    return " | ".join(" ".join(nt.text(i) for i in row) for row in ids)


def _names_note(nt: Notation) -> str:
    if nt.chain:
        return "Each tensor's comment names its entries as the page does (the tutorial's W₁₁, W₂)."
    return "W1[j - 1, k - 1] is the page's W⁽¹⁾ⱼₖ (row j, column k, from 1), as each comment says."


def _layer(nt: Notation, base: str, l: int) -> str:
    return nt.layer(base, l).text(Fmt())


class Layout:
    """What differs between the conventions: columns are samples (the tutorial's W @ X) or rows
    are samples (PyTorch's X @ W.T). The registry's code reduces over the neurons on axis 0 (the
    columns convention's); the rows convention's neurons are axis 1."""

    def __init__(self, convention: str = "columns"):
        self.rows = convention == "rows"
        self.axis = 1 if self.rows else 0  # the neurons' axis
        self.sample_axis = 0 if self.rows else 1

    def code(self, line: str) -> str:
        if not self.rows:
            return line
        return line.replace("axis=0", "axis=1").replace("dim=0", "dim=1")

    def linear(self, l: int, a: str) -> str:
        return f"{a} @ W{l}.T + b{l}" if self.rows else f"W{l} @ {a} + b{l}"

    def dW(self, l: int, a: str) -> str:
        return f"delta{l}.T @ {a} / m" if self.rows else f"delta{l} @ {a}.T / m"

    def db(self, l: int) -> str:
        axis = 0 if self.rows else 1
        keep = "" if self.rows else ", keepdims=True"
        return f"np.sum(delta{l}, axis={axis}{keep}) / m"

    def dA(self, l: int) -> str:
        return f"delta{l} @ W{l}" if self.rows else f"W{l}.T @ delta{l}"


def _data(spec: MLPSpec, tensor: str, lay: Layout | None = None) -> list[str]:
    """The parameters and data, shaped as in the tutorial: W (out, in), b and X as columns (or,
    in the rows convention, as PyTorch's nn.Linear: b a row, X one row per sample).
    A comment names each entry as the page does: W1[j − 1, k − 1] is W⁽¹⁾ⱼₖ."""
    lay = lay or Layout()
    nt = Notation(spec.layers)
    lines = []
    for l, (W, b) in enumerate(zip(spec.weights, spec.biases, strict=True), start=1):
        lines.append(f"# {_layer(nt, 'W', l)} on the page, row by row: {names(nt, f'W{l}')}")
        lines.append(f"W{l} = {tensor}({literal(W)})  # shape {W.shape}: layer {l}, (out, in)")
        lines.append(f"# {_layer(nt, 'b', l)} on the page: {names(nt, f'b{l}')}")
        if lay.rows:
            lines.append(f"b{l} = {tensor}({literal(b)})  # shape ({len(b)},): added to each row")
        else:
            lines.append(f"b{l} = {tensor}({literal(b[:, None])})  # shape ({len(b)}, 1)")
    if lay.rows:
        lines.append(f"X = {tensor}({literal(spec.inputs)})  # inputs: one row per sample")
        lines.append(f"Y = {tensor}({literal(spec.targets)})  # targets: one row per sample")
    else:
        lines.append(f"X = {tensor}({literal(spec.inputs.T)})  # inputs: one column per sample")
        lines.append(f"Y = {tensor}({literal(spec.targets.T)})  # targets: one column per sample")
    lines.append(f"lr = {spec.learning_rate!r}  # learning rate η")
    lines.append(f"m = X.shape[{lay.sample_axis}]  # number of samples")
    if any(ACTIVATIONS[a].uses_slope for a in spec.activations):
        lines.append(f"SLOPE = {spec.leaky_slope!r}  # leaky ReLU slope for z < 0")
    return lines


def _origin_note(origin: str | None) -> list[str]:
    """The docstring's lines saying which iteration (and batch) this is, wrapped at 95."""
    if not origin:
        return []
    return ["", *(w for line in origin.split("\n") for w in textwrap.wrap(line, 95))]


def numpy_script(spec: MLPSpec, convention: str = "columns", origin: str | None = None) -> str:
    lay = Layout(convention)
    depth = spec.depth
    nt = Notation(spec.layers)
    acts = sorted(set(spec.activations))
    out = [
        '"""One training iteration of this network in plain NumPy, exported from Backstep.',
        "",
        "Forward pass, backward pass (the chain rule by hand) and one gradient-descent update,",
        "as in the tutorial's program. Each quantity is printed as `name = <JSON>` at full precision.",
        *_origin_note(origin),
        _names_note(nt),
        '"""',
        "",
        "import json",
        "",
        "import numpy as np",
        "",
        "",
        "def show(name, value):",
        '    print(name, "=", json.dumps(np.asarray(value, dtype=float).tolist()))',
        "",
        "",
        "# ── Network weights and data ──────────────────────────────",
        *_data(spec, "np.array", lay),
        f"EPS = {EPS!r}  # probabilities are clipped to [EPS, 1 − EPS] before a log",
        "",
        "# ── Activation functions and their derivatives ────────────",
    ]
    for name in acts:
        out += [lay.code(line) for line in ACTIVATIONS[name].numpy_defs()]
    out.append("# ── FORWARD PASS ──────────────────────────────────────────")
    prev = "X"
    for l in range(1, depth + 1):
        out.append(f"z{l} = {lay.linear(l, prev)}  # {_layer(nt, 'z', l)}")
        out.append(f"a{l} = {spec.activations[l - 1]}(z{l})  # {_layer(nt, 'a', l)}")
        prev = f"a{l}"
    out.append(f"y_hat = a{depth}  # the prediction ŷ")
    out += _np_loss(spec.loss, "y_hat", "loss", lay)
    for l in range(1, depth + 1):
        out.append(f'show("z{l}", z{l})')
        out.append(f'show("a{l}", a{l})')
    out += [
        'show("loss", loss)',
        "",
        "# ── BACKWARD PASS ─────────────────────────────────────────",
    ]
    out += _np_loss_grad(spec.loss, depth)
    for l in range(depth, 0, -1):
        act = spec.activations[l - 1]
        delta = f"{_layer(nt, 'δ', l)} = ∂ℓ/∂{_layer(nt, 'z', l)}, per sample"
        if ACTIVATIONS[act].output_only:
            out.append(f"delta{l} = softmax_backward(a{l}, dA{l})  # {delta}")
        else:
            out.append(f"delta{l} = dA{l} * {act}_deriv(z{l}, a{l})  # {delta}")
        a_prev = "X" if l == 1 else f"a{l - 1}"
        dw, db = f"∂L/∂{_layer(nt, 'W', l)}", f"∂L/∂{_layer(nt, 'b', l)}"
        out.append(f"dW{l} = {lay.dW(l, a_prev)}  # {dw}: mean over the samples")
        out.append(f"db{l} = {lay.db(l)}  # {db}")
        if l > 1:
            out.append(f"dA{l - 1} = {lay.dA(l)}  # propagate the error upstream")
    for l in range(depth, 0, -1):
        out += [f'show("delta{l}", delta{l})', f'show("dW{l}", dW{l})', f'show("db{l}", db{l})']
    if plain_sgd(spec):
        out += ["", "# ── GRADIENT DESCENT UPDATE ───────────────────────────────"]
        out += _updates(spec, "{t} = {t} - lr * d{t}")
    else:
        out += _np_optimizer(spec, lay)
    out += ["", "# ── The loss with the updated parameters ──────────────────"]
    prev = "X"
    for l in range(1, depth + 1):
        out.append(f"a{l} = {spec.activations[l - 1]}({lay.linear(l, prev)})")
        prev = f"a{l}"
    out += _np_loss(spec.loss, f"a{depth}", "loss_after", lay)
    out.append('show("loss_after", loss_after)')
    return "\n".join(out) + "\n"


def _updates(spec: MLPSpec, template: str) -> list[str]:
    lines = []
    for l in range(spec.depth, 0, -1):
        for t in (f"W{l}", f"b{l}"):
            if t in spec.frozen:
                lines.append(f"# {t} is frozen: the update leaves it alone")
            else:
                lines.append(template.format(t=t))
            lines.append(f'show("{t}", {t})')
    return lines


def _state_of(spec: MLPSpec, lay: Layout | None = None) -> dict[str, dict[str, np.ndarray]]:
    """The optimizer's state carried in, per quantity and tensor, shaped as the script's tensors
    (biases as columns, or in the rows convention as flat vectors)."""
    lay = lay or Layout()
    flat, offsets = start_state(spec), flat_offsets(spec)
    tensors = dict(zip(offsets, [*spec.weights, *spec.biases], strict=True))
    out: dict[str, dict[str, np.ndarray]] = {}
    for k, v in flat.items():
        for name, (a, b) in offsets.items():
            if name[0] == "W":
                shape = tensors[name].shape
            else:
                shape = (tensors[name].size,) if lay.rows else (tensors[name].size, 1)
            out.setdefault(k, {})[name] = v[a:b].reshape(shape)
    return out


def _np_optimizer(spec: MLPSpec, lay: Layout | None = None) -> list[str]:
    """The update by the scenario's optimizer: torch.optim's formulas, one tensor at a time."""
    opt, h = optimizer_of(spec)
    t = spec.opt_step + 1
    state = _state_of(spec, lay)
    out = [
        "",
        f"# ── {opt.title.upper()} UPDATE (torch.optim.{opt.torch}'s formulas) ─────────────",
        *opt.numpy_constants(h),
        f"t = {t}  # the optimizer's step count: 1 for the first update, as in PyTorch",
    ]
    lines = opt.lines(h, t)
    for l in range(spec.depth, 0, -1):
        for name in (f"W{l}", f"b{l}"):
            if name in spec.frozen:
                out.append(f"# {name} is frozen: the optimizer leaves it alone, and keeps no state")
                out.append(f'show("{name}", {name})')
                continue
            names = {"theta": name, "g": f"d{name}"}
            names.update({k: f"{k}_{name}" for k in ("m", "v", "u", "g_avg", "v_max")})
            names.update(m_hat=f"m_hat_{name}", v_hat=f"v_hat_{name}")
            for k, tensors in state.items():
                start = "the state starts at zero" if t == 1 else "the state carried in"
                out.append(f"{names[k]} = np.array({literal(tensors[name])})  # {start}")
            out += [line.numpy.format(**names) for line in lines]
            out.append(f'show("{name}", {name})')
            out += [f'show("{names[k]}", {names[k]})' for k in state]
    return out


def _np_loss(loss: str, a: str, name: str, lay: Layout) -> list[str]:
    per = LOSSES[loss].numpy.format(a=a)
    return [
        f"{name} = np.mean(np.sum({per}, axis={lay.axis}))  # L: the mean over samples of each ℓ"
    ]


def _np_loss_grad(loss: str, depth: int) -> list[str]:
    return [line.format(d=f"dA{depth}") for line in LOSSES[loss].numpy_grad]


def torch_script(spec: MLPSpec, convention: str = "columns", origin: str | None = None) -> str:
    lay = Layout(convention)
    depth = spec.depth
    nt = Notation(spec.layers)
    out = [
        '"""One training iteration of this network in PyTorch, exported from Backstep.',
        "",
        "As in the tutorial's PyTorch example: build the forward pass, call loss.backward(), and",
        "read the gradients from .grad. float64 throughout, so the numbers match the engine's to the",
        "last digits. Each quantity is printed as `name = <JSON>`.",
        *_origin_note(origin),
        _names_note(nt) + '"""',
        "",
        "import json",
        "",
        "import torch",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        "",
        "def show(name, value):",
        '    print(name, "=", json.dumps(torch.as_tensor(value).detach().tolist()))',
        "",
        "",
        "# ── Weights: requires_grad=True tracks the computation graph ──",
        *_data(spec, "torch.tensor", lay),
        f"EPS = {EPS!r}",
        "for t in (" + ", ".join(f"W{l}, b{l}" for l in range(1, depth + 1)) + "):",
        "    t.requires_grad_(True)",
        "",
        "# ── Forward pass (PyTorch builds the computation graph) ───",
    ]
    prev = "X"
    for l in range(1, depth + 1):
        out.append(f"z{l} = {lay.linear(l, prev)}")
        z, d = _layer(nt, "z", l), _layer(nt, "δ", l)
        out.append(f"z{l}.retain_grad()  # keep ∂L/∂{z} to show {d}")
        out.append(
            f"a{l} = " + lay.code(ACTIVATIONS[spec.activations[l - 1]].torch.format(z=f"z{l}"))
        )
        prev = f"a{l}"
    out.append(f"y_hat = a{depth}")
    out.append(
        f"loss = {_torch_loss(spec.loss, 'y_hat', lay)}  # L: the mean over samples of each ℓ"
    )
    for l in range(1, depth + 1):
        out += [f'show("z{l}", z{l})', f'show("a{l}", a{l})']
    out += [
        'show("loss", loss)',
        "",
        "# ── Backward pass (one line: PyTorch applies the chain rule) ──",
        "loss.backward()",
        "",
        "# z.grad is ∂L/∂z for the mean loss L; times m it is each sample's δ = ∂ℓ/∂z",
    ]
    for l in range(depth, 0, -1):
        out += [
            f'show("delta{l}", z{l}.grad * m)',
            f'show("dW{l}", W{l}.grad)',
            f'show("db{l}", b{l}.grad)',
        ]
    if plain_sgd(spec):
        out += [
            "",
            "# ── Gradient descent update ───────────────────────────────",
            "with torch.no_grad():",
        ]
        out += ["    " + line for line in _updates(spec, "{t} -= lr * {t}.grad")]
    else:
        out += _torch_optimizer(spec, lay)
    out += [
        "",
        "# ── The loss with the updated parameters ──────────────────",
        "with torch.no_grad():",
    ]
    prev = "X"
    for l in range(1, depth + 1):
        act = ACTIVATIONS[spec.activations[l - 1]].torch.format(z=lay.linear(l, prev))
        out.append(f"    a{l} = {lay.code(act)}")
        prev = f"a{l}"
    out.append(f"    loss_after = {_torch_loss(spec.loss, f'a{depth}', lay)}")
    out.append('show("loss_after", loss_after)')
    return "\n".join(out) + "\n"


def _torch_optimizer(spec: MLPSpec, lay: Layout | None = None) -> list[str]:
    """The update by torch.optim itself, its state carried in when the scenario has one."""
    opt, h = optimizer_of(spec)
    names = [
        n for l in range(1, spec.depth + 1) for n in (f"W{l}", f"b{l}") if n not in spec.frozen
    ]
    ordered = [n for n in flat_offsets(spec) if n in names]  # W1 … WL, b1 … bL
    kwargs = ", ".join(f"{k}={v!r}" for k, v in opt.torch_kwargs(h).items())
    out = [
        "",
        f"# ── {opt.title} update: torch.optim.{opt.torch} ─────────────────────────────",
        f"optimizer = torch.optim.{opt.torch}([{', '.join(ordered)}], lr=lr, {kwargs})",
    ]
    if spec.frozen:
        out.append(f"# frozen, so not given to the optimizer: {', '.join(sorted(spec.frozen))}")
    slots = opt.slots(h)
    state = _state_of(spec, lay)
    if spec.opt_step:
        out.append(f"# the state after {spec.opt_step} updates, carried in")
        for n in ordered:
            entries = [f'"{slots[k]}": torch.tensor({literal(state[k][n])})' for k in slots]
            if opt.counts_steps:
                entries.insert(0, f'"step": torch.tensor({float(spec.opt_step)!r})')
            out.append(f"optimizer.state[{n}] = {{{', '.join(entries)}}}")
    out.append("optimizer.step()")
    for l in range(spec.depth, 0, -1):
        for n in (f"W{l}", f"b{l}"):
            if n in spec.frozen:
                out.append(f"# {n} is frozen: the optimizer leaves it alone")
            out.append(f'show("{n}", {n})')
            if n not in spec.frozen:
                out += [f'show("{k}_{n}", optimizer.state[{n}]["{slots[k]}"])' for k in slots]
    return out


def _torch_loss(loss: str, a: str, lay: Layout | None = None) -> str:
    per = LOSSES[loss].torch.format(a=a, p=f"torch.clamp({a}, EPS, 1 - EPS)")
    return f"({per}).sum(dim={(lay or Layout()).axis}).mean()"
