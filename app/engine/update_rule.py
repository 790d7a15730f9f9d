"""The update phase's rule for one lesson: the scenario's optimizer at step t, with the state it
carries in, laid out per graph node (the stepper updates one parameter node at a time)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.engine.graph import Graph
from app.engine.registry import OPTIMIZERS, Optimizer


@dataclass(frozen=True)
class Rule:
    opt: Optimizer = OPTIMIZERS["sgd"]
    hyper: dict = field(default_factory=lambda: OPTIMIZERS["sgd"].resolve())
    t: int = 1  # the optimizer's step count of this update (PyTorch's: 1 for the first)
    state0: dict[str, np.ndarray] = field(default_factory=dict)  # per node, before the update

    @property
    def plain(self) -> bool:
        """θ ← θ − η·∂L/∂θ alone: no state, no weight decay (the tutorial's update)."""
        return (
            self.opt.name == "sgd" and not self.hyper["momentum"] and not self.hyper["weight_decay"]
        )


PLAIN = Rule()
# Stateless rules of an optimizer with its defaults, by (optimizer, step): they depend on no
# number of the scenario, and a Rule is immutable (its hyperparameters are only read)
DEFAULTS_KEPT = 256
_DEFAULTS: dict[tuple[str, int], Rule] = {}


def rule_for(graph: Graph, spec) -> Rule:
    """The rule of a network scenario (an MLPSpec): its flat optimizer state mapped onto the
    graph's parameter nodes (zeros where none is carried in, and for frozen tensors)."""
    from app.engine.vectorised import flat_offsets, optimizer_of, start_state

    if not spec.hyper:  # the optimizer's defaults: its rule, if stateless, is kept
        kept = _DEFAULTS.get((spec.optimizer, spec.opt_step))
        if kept is not None:
            return kept
    opt, hyper = optimizer_of(spec)
    if not opt.slots(hyper):  # a rule without state (plain SGD): nothing to lay out
        rule = Rule(opt, hyper, spec.opt_step + 1, {})
        if not spec.hyper:
            if len(_DEFAULTS) >= DEFAULTS_KEPT:
                _DEFAULTS.clear()
            _DEFAULTS[spec.optimizer, spec.opt_step] = rule
        return rule
    flat = start_state(spec)
    offsets = flat_offsets(spec)
    shapes = {name: t.shape for name, t in zip(offsets, [*spec.weights, *spec.biases], strict=True)}
    n = len(graph.nodes)
    state0 = {k: np.zeros(n) for k in flat}
    for p in graph.params:
        nd = graph.nodes[p]
        if nd.tensor in offsets and nd.tensor not in spec.frozen:
            at = offsets[nd.tensor][0] + int(np.ravel_multi_index(nd.index, shapes[nd.tensor]))
            for k, v in flat.items():
                state0[k][p] = v[at]
    return Rule(opt, hyper, spec.opt_step + 1, state0)
