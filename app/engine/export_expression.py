"""Code export of an expression graph: NumPy with the chain rule by hand, and PyTorch autograd.

One line per primitive op in the forward pass; the NumPy backward pass accumulates each
gradient with += exactly as the stepping plan does. Output lines are `name = <JSON>`.
"""

from __future__ import annotations

import keyword

from app.engine.graph import Graph
from app.engine.plan import Plan
from app.engine.registry import ACTIVATIONS, PRIMITIVES

_NP = {
    **{name: p.numpy for name, p in PRIMITIVES.items()},
    **{a.name: a.numpy[0].replace("{z}", "{0}") for a in ACTIVATIONS.values() if a.expression},
}
_TORCH = {
    **{name: p.torch or p.numpy for name, p in PRIMITIVES.items()},
    **{a.name: a.torch.replace("{z}", "{0}") for a in ACTIVATIONS.values() if a.expression},
}
_RESERVED = {"np", "json", "torch", "show", "lr", "f", "math"}


def _names(graph: Graph) -> list[str]:
    """A Python name per node: variables keep theirs unless it would clash."""
    names = []
    for nd in graph.nodes:
        if nd.kind == "param":
            name = nd.tensor or nd.id
            clash = (
                keyword.iskeyword(name)
                or name in _RESERVED
                or name[0] == "v"
                and name[1:].isdigit()
            )
            names.append(f"{name}_" if clash or name.startswith("df_") else name)
        elif nd.kind == "input":
            v = float(graph.inputs[0, nd.column])
            names.append(repr(v) if v >= 0 else f"({v!r})")
        else:
            names.append(nd.id)
    return names


def _op_code(graph: Graph, i: int, names: list[str], table: dict, wrap: str) -> str:
    """One op as code; an op of constants only gets its first one as an array (1/0 → inf)."""
    nd = graph.nodes[i]
    args = [names[j] for j in nd.inputs]
    if all(graph.nodes[j].kind == "input" for j in nd.inputs):
        args[0] = wrap.format(args[0])
    return table[nd.op].format(*args)


def _local(op: str, pos: int, ins: list[str], out: str) -> str:
    """∂out/∂ins[pos] as NumPy code: the registry's rule, the same as the engine's."""
    if op in ACTIVATIONS:
        return ACTIVATIONS[op].numpy[1].format(z=ins[0], a=out)
    w = ins[1] if len(ins) > 1 else ""
    return PRIMITIVES[op].numpy_grad[pos].format(u=ins[0], w=w, out=out)


def _header(title: str, module: str, extra: list[str]) -> list[str]:
    return [
        f'"""{title}, exported from Backstep.',
        "",
        "Each quantity is printed as `name = <JSON>` at full precision.",
        '"""',
        "",
        "import json",
        "",
        f"import {module}",
        *extra,
        "",
        "",
        "def show(name, value):",
        '    print(name, "=", json.dumps(float(value)))',
        "",
        "",
    ]


def _variables(graph: Graph, names: list[str], wrap: str) -> list[str]:
    return [f"{names[p]} = {wrap.format(repr(graph.nodes[p].init))}" for p in graph.params]


def numpy_expression(graph: Graph, expression: str, lr: float | None, frozen=frozenset()) -> str:
    names = _names(graph)
    nodes = graph.nodes
    out = _header(f"f = {expression}: forward, the chain rule by hand, update", "numpy as np", [])
    out += ["# ── Variables ──", *_variables(graph, names, "np.float64({})")]
    if lr is not None:
        out.append(f"lr = {lr!r}  # learning rate η")
    out += ["", "# ── FORWARD PASS: one primitive operation per line ──"]
    for i in graph.order:
        out.append(f"{names[i]} = " + _op_code(graph, i, names, _NP, "np.float64({})"))
    out += [f'show("{names[i]}", {names[i]})' for i in graph.order]
    out += ["", "# ── BACKWARD PASS: ∂f/∂f = 1, then += one contribution per edge ──"]
    wanted = [i for i, nd in enumerate(nodes) if graph.requires_grad[i] and i != graph.root]
    out += [f"df_d{names[i]} = 0.0" for i in wanted]
    out.append(f"df_d{names[graph.root]} = 1.0")
    plan = Plan(graph, update=False)
    for t in range(plan.total):
        st = plan.step(t)
        if st.phase != "backward":
            continue
        nd = nodes[st.node]
        local = _local(nd.op, st.position, [names[j] for j in nd.inputs], names[st.node])
        if not (local.replace(".", "").replace("_", "").isalnum() and local[0] != "-"):
            local = f"({local})"
        out.append(f"df_d{names[st.target]} += df_d{names[st.node]} * {local}")
    out += [f'show("grad_{names[p]}", df_d{names[p]})' for p in graph.params]
    if lr is not None:
        out += ["", "# ── GRADIENT DESCENT UPDATE ──"]
        for p in graph.params:
            if (nodes[p].tensor or nodes[p].id) in frozen:
                out.append(f"# {names[p]} is frozen: the update leaves it alone")
            else:
                out.append(f"{names[p]} = {names[p]} - lr * df_d{names[p]}")
            out.append(f'show("new_{names[p]}", {names[p]})')
    return "\n".join(out) + "\n"


def torch_expression(graph: Graph, expression: str, lr: float | None, frozen=frozenset()) -> str:
    names = _names(graph)
    nodes = graph.nodes
    extra = ["", "torch.set_default_dtype(torch.float64)"]
    out = _header(f"f = {expression}: PyTorch autograd with f.backward()", "torch", extra)
    out += ["# ── Variables: requires_grad=True tracks the computation graph ──"]
    out += _variables(graph, names, "torch.tensor({}, requires_grad=True)")
    if lr is not None:
        out.append(f"lr = {lr!r}  # learning rate η")
    out += ["", "# ── Forward pass ──"]
    for i in graph.order:
        out.append(f"{names[i]} = " + _op_code(graph, i, names, _TORCH, "torch.tensor({})"))
    out += [f'show("{names[i]}", {names[i]}.item())' for i in graph.order]
    out += ["", "# ── Backward pass: one line ──", f"{names[graph.root]}.backward()"]
    out += [f'show("grad_{names[p]}", {names[p]}.grad.item())' for p in graph.params]
    if lr is not None:
        out += ["", "# ── Gradient descent update ──", "with torch.no_grad():"]
        for p in graph.params:
            if (nodes[p].tensor or nodes[p].id) in frozen:
                out.append(f"    pass  # {names[p]} is frozen")
            else:
                out.append(f"    {names[p]} -= lr * {names[p]}.grad")
        out += [f'show("new_{names[p]}", {names[p]}.item())' for p in graph.params]
    return "\n".join(out) + "\n"
