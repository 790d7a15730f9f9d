"""Every optimizer of the update phase, defined once: PyTorch's `torch.optim` formulas as lines.

An optimizer is a list of lines, each one quantity of the update (the velocity v, Adam's m, v, m̂,
v̂, and last the parameter θ): its value computed from the quantities before it, its formula as a
math tree (written with symbols, or with the step's numbers), and its NumPy code. The vectorised
update (training, /api/run), the stepped lesson (one update step per parameter, every line with
its numbers), and the NumPy export all run the same lines, elementwise: the same arithmetic on one
number or on a whole flat vector of parameters gives the same bits. The PyTorch export and the
tests use `torch.optim` itself.

Conventions (PyTorch's): `t` counts updates from 1; the state starts at zero, except SGD's
momentum buffer, which starts at the first gradient; Adam and RMSprop add ε after the square root;
Adam's weight decay is added to the gradient (coupled), AdamW's shrinks the parameter first
(decoupled, θ ← θ·(1 − η·λ)). Frozen parameters are left out of the optimizer: no update, no state.

To add an optimizer, add one `Optimizer(...)` to `OPTIMIZERS` below.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.engine.mathfmt import (
    Bin,
    Call,
    Expr,
    Fmt,
    Frac,
    Num,
    Paren,
    Partial,
    Pow,
    Root,
    Sym,
    num_latex,
    num_mathml,
)
from app.engine.registry.base import ONE, TWO, Const, times

Env = dict  # name → value: arrays (or floats) when computing, math trees when writing


class Sig(Num):
    """A value of the optimizer's state, written with `precision` significant digits when it is
    small (Adam's v is often 10⁻⁶): 0.0123 at 4 decimals, 1.234e−05 below 0.01."""

    def _s(self, fmt: Fmt) -> str:
        v = self.value
        if v is None or not math.isfinite(v) or v == 0 or abs(v) >= 0.01:
            return fmt.number(v)
        return f"{v:.{max(fmt.precision - 1, 1)}e}".replace("-", "−")

    def text(self, fmt: Fmt) -> str:
        return self._s(fmt)

    def latex(self, fmt: Fmt) -> str:
        return num_latex(self._s(fmt))  # "undefined" too, which has an e but no exponent

    def mathml(self, fmt: Fmt) -> str:
        return num_mathml(self._s(fmt))


def sqrt_of(x: Expr) -> Expr:
    return Root(x)


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter: its name in the scenario, PyTorch's default, its bounds and symbol."""

    name: str
    default: float | bool | tuple[float, float]
    symbol: str  # in formulas: μ, λ, β₁ (a pair: its two symbols, comma-separated)
    description: str
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    @property
    def kind(self) -> str:
        if isinstance(self.default, bool):
            return "bool"
        return "pair" if isinstance(self.default, tuple) else "number"


@dataclass(frozen=True)
class Line:
    """One quantity of the update: `name` ← (or =) its formula, over the quantities before it."""

    name: str  # its key: theta, g, v, m, m_hat, …
    value: Callable[[Env], object]  # from arrays or floats
    formula: Callable[[Env], Expr]  # from math trees (symbols, or the step's numbers)
    numpy: str  # NumPy code of the line, over {theta}, {g}, {m}, … and the hyperparameters
    state: bool = False  # a quantity carried to the next iteration (written ←)


@dataclass(frozen=True)
class Optimizer:
    name: str  # the API's name
    title: str  # for people
    torch: str  # torch.optim class
    hypers: tuple[Hyper, ...]
    build: Callable[[dict, int], list[Line]]  # (hyperparameters, t) → the lines of step t
    slots: Callable[[dict], dict[str, str]]  # the state it keeps: our name → torch's state key
    words: Callable[[dict], str]  # what it does, for the update step's sentence: {theta}, {lr}
    check: Callable[[dict], str | None] = lambda h: None  # a rule between hyperparameters
    counts_steps: bool = True  # its torch state has a "step" entry
    # η of its usual scale, which the page's menu sets when a lesson's own η (chosen for plain
    # SGD) is still in the field: Adam's or RMSprop's step is about η whatever the gradient, so
    # XOR's η = 2 moves every weight by about ±2. None: the lesson's own (SGD's step is η·g).
    typical_lr: float | None = None

    def defaults(self) -> dict:
        return {h.name: h.default for h in self.hypers}

    def resolve(self, given: dict | None = None) -> dict:
        """The hyperparameters with PyTorch's defaults for those not given."""
        return {**self.defaults(), **{k: v for k, v in (given or {}).items() if k != "name"}}

    def stateful(self, h: dict) -> bool:
        return bool(self.slots(h))

    def lines(self, h: dict, t: int) -> list[Line]:
        return self.build(h, t)

    def inputs(self, theta, g, state: dict, lr: float, h: dict) -> Env:
        """What an update's lines read: the hyperparameters (betas split), θ, its gradient g,
        η and the state carried in. Elementwise on arrays."""
        return {**hyper_numbers(h), "theta": theta, "g": g, "lr": lr, **state}

    def step(self, theta, g, state: dict, t: int, lr: float, h: dict):
        """One update at step t (1-based): (new parameters, new state). Elementwise on arrays."""
        env = self.inputs(theta, g, state, lr, h)
        for line in self.build(h, t):
            env[line.name] = line.value(env)
        return env["theta"], {k: env[k] for k in self.slots(h)}

    def numpy_constants(self, h: dict) -> list[str]:
        """The exported script's hyperparameters: BETA1 = 0.9, … (OPT_EPS: the script's EPS is
        the log's clip)."""
        return [
            f"{'OPT_EPS' if k == 'eps' else k.upper()} = {float(v)!r}"
            for k, v in hyper_numbers(h).items()
            if not isinstance(v, bool)
        ]

    def torch_kwargs(self, h: dict) -> dict:
        """Keyword arguments of `torch.optim.<torch>` (lr comes from the scenario)."""
        return {k: (tuple(v) if isinstance(v, list | tuple) else v) for k, v in h.items()}


def hyper_numbers(h: dict) -> Env:
    """Hyperparameters as the lines read them: betas split into beta1 and beta2."""
    out = {k: v for k, v in h.items() if k != "betas"}
    if "betas" in h:
        out["beta1"], out["beta2"] = float(h["betas"][0]), float(h["betas"][1])
    return out


# ── how the lines are written ───────────────────────────────────────────────────

SYMBOLS = {  # the quantities' symbols (θ and g are the parameter's own: set per step)
    "v": Sym("v"),
    "m": Sym("m"),
    "u": Sym("u"),  # RMSprop's momentum buffer: not b, which names the biases b₁, b⁽²⁾₁
    "g_avg": Sym("ḡ"),
    "v_max": Sym("v", "max"),
    "m_hat": Sym("m̂"),
    "v_hat": Sym("v̂"),
    "g": Sym("g"),
    "lr": Sym("η"),
    "momentum": Sym("μ"),
    "dampening": Sym("τ"),
    "weight_decay": Sym("λ"),
    "alpha": Sym("α"),
    "eps": Sym("ε"),
    "beta1": Sym("β", "1"),
    "beta2": Sym("β", "2"),
    "t": Sym("t"),
}
NAMES = {  # for sentences
    "v": "v",
    "m": "m",
    "u": "u",
    "g_avg": "ḡ",
    "v_max": "vmax",
    "m_hat": "m̂",
    "v_hat": "v̂",
    "g": "g",
}


def symbols(theta: Expr, grad: Expr, h: dict) -> Env:
    """The environment that writes a line with symbols."""
    return {**SYMBOLS, "theta": theta, "g": grad}


def numbers(theta: float, g: float, lr: float, state: dict, h: dict, t: int) -> Env:
    """The environment that writes a line with the step's numbers."""
    env: Env = {k: Num(float(v)) for k, v in hyper_numbers(h).items() if not isinstance(v, bool)}
    env.update(theta=Num(float(theta)), g=Num(float(g)), lr=Num(float(lr)), t=Num(float(t)))
    env.update({k: Sig(float(v)) for k, v in state.items()})
    return env


def _minus_lr(e: Env, what: Expr) -> Expr:
    """θ − η·what."""
    return Bin("−", e["theta"], times(e["lr"], what))


def _decay(e: Env) -> Expr:
    """∂L/∂θ + λ·θ: coupled weight decay, added to the gradient."""
    return Bin("+", e["g"], times(e["weight_decay"], e["theta"]))


def _ema(e: Env, keep: str, state: str, new: Expr) -> Expr:
    """keep·state + (1 − keep)·new: a running average."""
    return Bin(
        "+",
        times(e[keep], e[state]),
        times(Paren(Bin("−", ONE, e[keep])), new),
    )


def _sq(x: Expr) -> Expr:
    return Pow(x, TWO)


def _over(a: Expr, b: Expr) -> Expr:
    """a/b, a negative number bracketed: (−0.0141)/(√v̂ + ε)."""
    return Frac(Paren(a) if isinstance(a, Num) and a.negative else a, b)


G_LINE = Line(  # g = ∂L/∂θ + λ·θ
    "g",
    lambda e: e["g"] + e["weight_decay"] * e["theta"],
    _decay,
    "{g} = {g} + WEIGHT_DECAY * {theta}  # weight decay, added to the gradient",
)


# ── SGD, with momentum and Nesterov ─────────────────────────────────────────────


def _sgd(h: dict, t: int) -> list[Line]:
    out = [G_LINE] if h["weight_decay"] else []
    if not h["momentum"]:
        return [
            *out,
            Line(
                "theta",
                lambda e: e["theta"] - e["lr"] * e["g"],
                lambda e: _minus_lr(e, e["g"]),
                "{theta} = {theta} - lr * {g}",
            ),
        ]
    if t == 1:  # PyTorch starts the buffer at the first gradient, without dampening
        out.append(
            Line(
                "v",
                lambda e: e["g"] * 1.0,
                lambda e: e["g"],
                "{v} = {g} * 1.0  # step 1: the velocity starts at the gradient",
                state=True,
            )
        )
    else:
        out.append(
            Line(
                "v",
                lambda e: e["momentum"] * e["v"] + (1.0 - e["dampening"]) * e["g"],
                lambda e: Bin(
                    "+",
                    times(e["momentum"], e["v"]),
                    times(Paren(Bin("−", ONE, e["dampening"])), e["g"]),
                ),
                "{v} = MOMENTUM * {v} + (1 - DAMPENING) * {g}",
                state=True,
            )
        )
    if h["nesterov"]:
        out.append(
            Line(
                "theta",
                lambda e: e["theta"] - e["lr"] * (e["g"] + e["momentum"] * e["v"]),
                lambda e: _minus_lr(e, Paren(Bin("+", e["g"], times(e["momentum"], e["v"])))),
                "{theta} = {theta} - lr * ({g} + MOMENTUM * {v})  # Nesterov: look ahead",
            )
        )
    else:
        out.append(
            Line(
                "theta",
                lambda e: e["theta"] - e["lr"] * e["v"],
                lambda e: _minus_lr(e, e["v"]),
                "{theta} = {theta} - lr * {v}",
            )
        )
    return out


def _sgd_check(h: dict) -> str | None:
    if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
        return "nesterov needs momentum > 0 and dampening = 0 (as torch.optim.SGD)"
    return None


# ── RMSprop ─────────────────────────────────────────────────────────────────────


def _rms_den(e: Env, centered: bool) -> Expr:
    inner = Bin("−", e["v"], _sq(e["g_avg"])) if centered else e["v"]
    return Bin("+", sqrt_of(inner), e["eps"])  # a denominator: bracketed in text by Frac


def _rms_den_value(e: Env, centered: bool):
    inner = e["v"] - e["g_avg"] * e["g_avg"] if centered else e["v"]
    return np.sqrt(inner) + e["eps"]


def _rmsprop(h: dict, t: int) -> list[Line]:
    c = bool(h["centered"])
    out = [G_LINE] if h["weight_decay"] else []
    out.append(
        Line(
            "v",
            lambda e: e["alpha"] * e["v"] + (1.0 - e["alpha"]) * (e["g"] * e["g"]),
            lambda e: _ema(e, "alpha", "v", _sq(e["g"])),
            "{v} = ALPHA * {v} + (1 - ALPHA) * ({g} * {g})  # running mean of g²",
            state=True,
        )
    )
    if c:
        out.append(
            Line(
                "g_avg",
                lambda e: e["alpha"] * e["g_avg"] + (1.0 - e["alpha"]) * e["g"],
                lambda e: _ema(e, "alpha", "g_avg", e["g"]),
                "{g_avg} = ALPHA * {g_avg} + (1 - ALPHA) * {g}  # running mean of g (centered)",
                state=True,
            )
        )
    den = "np.sqrt({v} - {g_avg} * {g_avg}) + OPT_EPS" if c else "np.sqrt({v}) + OPT_EPS"
    if h["momentum"]:
        out.append(
            Line(
                "u",
                lambda e: e["momentum"] * e["u"] + e["g"] / _rms_den_value(e, c),
                lambda e: Bin("+", times(e["momentum"], e["u"]), _over(e["g"], _rms_den(e, c))),
                "{u} = MOMENTUM * {u} + {g} / (" + den + ")  # the momentum buffer",
                state=True,
            )
        )
        out.append(
            Line(
                "theta",
                lambda e: e["theta"] - e["lr"] * e["u"],
                lambda e: _minus_lr(e, e["u"]),
                "{theta} = {theta} - lr * {u}",
            )
        )
    else:
        out.append(
            Line(
                "theta",
                lambda e: e["theta"] - e["lr"] * (e["g"] / _rms_den_value(e, c)),
                lambda e: _minus_lr(e, _over(e["g"], _rms_den(e, c))),
                "{theta} = {theta} - lr * ({g} / (" + den + "))",
            )
        )
    return out


def _rms_slots(h: dict) -> dict[str, str]:
    out = {"v": "square_avg"}
    if h["momentum"]:
        out["u"] = "momentum_buffer"
    if h["centered"]:
        out["g_avg"] = "grad_avg"
    return out


# ── Adam and AdamW ──────────────────────────────────────────────────────────────


def _bias(e: Env, beta: str) -> Expr:
    """1 − βᵗ (a denominator: bracketed in text by Frac)."""
    return Bin("−", ONE, Pow(e[beta], e["t"]))


def _adam(decoupled: bool) -> Callable[[dict, int], list[Line]]:
    def build(h: dict, t: int) -> list[Line]:
        out: list[Line] = []
        if h["weight_decay"] and decoupled:
            out.append(
                Line(
                    "theta",
                    lambda e: e["theta"] * (1.0 - e["lr"] * e["weight_decay"]),
                    lambda e: times(
                        e["theta"], Paren(Bin("−", ONE, times(e["lr"], e["weight_decay"])))
                    ),
                    "{theta} = {theta} * (1 - lr * WEIGHT_DECAY)  # decoupled weight decay",
                )
            )
        elif h["weight_decay"]:
            out.append(G_LINE)
        b1, b2 = 1.0 - h["betas"][0] ** t, 1.0 - h["betas"][1] ** t  # the bias corrections
        out += [
            Line(
                "m",
                lambda e: e["beta1"] * e["m"] + (1.0 - e["beta1"]) * e["g"],
                lambda e: _ema(e, "beta1", "m", e["g"]),
                "{m} = BETA1 * {m} + (1 - BETA1) * {g}  # running mean of g",
                state=True,
            ),
            Line(
                "v",
                lambda e: e["beta2"] * e["v"] + (1.0 - e["beta2"]) * (e["g"] * e["g"]),
                lambda e: _ema(e, "beta2", "v", _sq(e["g"])),
                "{v} = BETA2 * {v} + (1 - BETA2) * ({g} * {g})  # running mean of g²",
                state=True,
            ),
        ]
        second = "v"
        if h["amsgrad"]:
            second = "v_max"
            out.append(
                Line(
                    "v_max",
                    lambda e: np.maximum(e["v_max"], e["v"]),
                    lambda e: Call("max", (e["v_max"], e["v"])),
                    "{v_max} = np.maximum({v_max}, {v})  # AMSGrad: the largest v so far",
                    state=True,
                )
            )
        out += [
            Line(
                "m_hat",
                lambda e: e["m"] / b1,
                lambda e: _over(e["m"], _bias(e, "beta1")),
                "{m_hat} = {m} / (1 - BETA1 ** t)  # bias correction",
            ),
            Line(
                "v_hat",
                lambda e: e[second] / b2,
                lambda e: _over(e[second], _bias(e, "beta2")),
                "{v_hat} = {" + second + "} / (1 - BETA2 ** t)  # bias correction",
            ),
            Line(
                "theta",
                lambda e: e["theta"] - e["lr"] * (e["m_hat"] / (np.sqrt(e["v_hat"]) + e["eps"])),
                lambda e: _minus_lr(e, _over(e["m_hat"], Bin("+", sqrt_of(e["v_hat"]), e["eps"]))),
                "{theta} = {theta} - lr * ({m_hat} / (np.sqrt({v_hat}) + OPT_EPS))",
            ),
        ]
        return out

    return build


def _adam_slots(h: dict) -> dict[str, str]:
    out = {"m": "exp_avg", "v": "exp_avg_sq"}
    if h["amsgrad"]:
        out["v_max"] = "max_exp_avg_sq"
    return out


UNIT = {"ge": 0.0, "lt": 1.0}
WD = "Weight decay λ (L2 penalty), 0 to 10."


def _wd(default: float, description: str = WD) -> Hyper:
    return Hyper("weight_decay", default, "λ", description, ge=0.0, le=10.0)


EPS_H = Hyper("eps", 1e-8, "ε", "Added after the square root, for stability: (0, 1].", gt=0, le=1)
BETAS = Hyper(
    "betas",
    (0.9, 0.999),
    "β₁,β₂",
    "[β₁, β₂]: how much of the running means of g and g² each step keeps, each in [0, 1).",
    **UNIT,
)
AMSGRAD = Hyper("amsgrad", False, "", "AMSGrad: divide by the largest v̂ so far.")

OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in [
        Optimizer(
            "sgd",
            "SGD",
            "SGD",
            (
                Hyper("momentum", 0.0, "μ", "Momentum μ in [0, 1): 0 is plain SGD.", **UNIT),
                Hyper("dampening", 0.0, "τ", "Dampening τ of the velocity, in [0, 1].", ge=0, le=1),
                Hyper("nesterov", False, "", "Nesterov momentum (needs μ > 0 and τ = 0)."),
                _wd(0.0),
            ),
            _sgd,
            lambda h: {"v": "momentum_buffer"} if h["momentum"] else {},
            lambda h: (
                "Momentum moves {theta} along its velocity v, a running sum of its gradients, "
                "scaled by η = {lr}"
                + (" (Nesterov: looking ahead by μ·v)" if h["nesterov"] else "")
                if h["momentum"]
                else "Gradient descent moves {theta} against its gradient, scaled by η = {lr}"
            ),
            _sgd_check,
            counts_steps=False,
        ),
        Optimizer(
            "rmsprop",
            "RMSprop",
            "RMSprop",
            (
                Hyper("alpha", 0.99, "α", "Smoothing α of the square average, in [0, 1).", **UNIT),
                EPS_H,
                _wd(0.0),
                Hyper("momentum", 0.0, "μ", "Momentum μ in [0, 1).", **UNIT),
                Hyper("centered", False, "", "Divide by the variance of g, not its square mean."),
            ),
            _rmsprop,
            _rms_slots,
            lambda h: (
                "RMSprop divides the step of {theta} by the root of its running square "
                "average v"
                + (", less the square of its running mean ḡ" if h["centered"] else "")
                + (
                    "; with momentum μ these divided steps build up in its momentum buffer u, "
                    "and {theta} moves by η·u"
                    if h["momentum"]
                    else ""
                )
            ),
            typical_lr=0.01,  # torch.optim.RMSprop's default
        ),
        Optimizer(
            "adam",
            "Adam",
            "Adam",
            (BETAS, EPS_H, _wd(0.0, WD + " Adam adds it to the gradient (coupled)."), AMSGRAD),
            _adam(False),
            _adam_slots,
            lambda h: (
                "Adam steps {theta} by its bias-corrected mean gradient m̂ over the root of "
                "its bias-corrected square mean v̂"
            ),
            typical_lr=0.05,  # torch's 0.001 is for big networks: XOR barely moves in a lesson
        ),
        Optimizer(
            "adamw",
            "AdamW",
            "AdamW",
            (BETAS, EPS_H, _wd(0.01, WD + " AdamW shrinks θ by η·λ·θ first (decoupled)."), AMSGRAD),
            _adam(True),
            _adam_slots,
            lambda h: (
                "AdamW shrinks {theta} by its decoupled weight decay, then steps it as Adam does"
            ),
            typical_lr=0.05,
        ),
    ]
}


def explain_lines(
    opt: Optimizer,
    h: dict,
    t: int,
    theta_sym: Expr,
    grad_sym: Expr,
    theta: float,
    g: float,
    lr: float,
    state: dict,
) -> list[tuple[Sym | Expr, str, Expr, Expr, float]]:
    """Each line of one parameter's update: (its symbol, = or ←, formula with symbols, with the
    step's numbers, its value). Values are computed by the line itself, as the update does."""
    num_env = numbers(theta, g, lr, state, h, t)
    val_env = opt.inputs(theta, g, state, lr, h)
    out = []
    for line, who, formula in symbol_lines(opt, h, t, theta_sym, grad_sym):
        subst = line.formula(num_env)
        value = line.value(val_env)
        val_env[line.name] = value
        op = "←" if line.state or line.name == "theta" else "="
        # from here on a line's quantity is its value (g and AdamW's decayed θ, as the step's)
        num_env[line.name] = Num(float(value)) if line.name in ("g", "theta") else Sig(float(value))
        out.append((who, op, formula, subst, float(value)))
    return out


def symbol_lines(
    opt: Optimizer, h: dict, t: int, theta: Expr, grad: Expr, decayed: Expr | None = None
) -> list[tuple[Line, Expr, Expr]]:
    """Each line of step t: (the line, the symbol it writes, its formula with symbols). A line's
    quantity is written by its symbol in the lines after it: the gradient `grad` until weight
    decay's line, g after; θ `theta`, or `decayed` after AdamW's decay (else θ is reassigned)."""
    env = symbols(theta, grad, h)
    lines = opt.build(h, t)
    out = []
    for k, line in enumerate(lines):
        if line.name != "theta":
            who = SYMBOLS[line.name]
        else:  # the last line writes θ itself
            who = decayed if decayed is not None and k < len(lines) - 1 else theta
        out.append((line, who, line.formula(env)))
        env[line.name] = who
    return out


def grad_symbol(top: Expr, theta: Expr) -> Expr:
    return Partial(top, theta)


def catalog() -> list[dict]:
    """What a page needs to offer the optimizers: names, titles and each hyperparameter."""
    return [
        {
            "name": o.name,
            "title": o.title,
            "typical_lr": o.typical_lr,
            "fields": [
                {
                    "name": h.name,
                    "kind": h.kind,
                    "default": list(h.default) if h.kind == "pair" else h.default,
                    "symbol": h.symbol,
                    "description": h.description,
                    **{
                        k: getattr(h, k)
                        for k in ("ge", "gt", "le", "lt")
                        if getattr(h, k) is not None
                    },
                }
                for h in o.hypers
            ],
        }
        for o in OPTIMIZERS.values()
    ]


__all__ = ["OPTIMIZERS", "Const", "Hyper", "Line", "Optimizer", "Sig", "explain_lines"]
