"""Lessons of the other graph kinds: an expression, and a network expanded into primitive ops."""

from __future__ import annotations

from app.engine.expanded import build_expanded_graph
from app.engine.expression import build_expression_graph
from app.engine.lesson import Lesson
from app.engine.network import MLPSpec
from app.engine.plan import Plan
from app.engine.update_rule import rule_for


def expression_lesson(
    expression: str,
    values: dict[str, float],
    learning_rate: float | None = None,
    frozen: frozenset[str] = frozenset(),
) -> Lesson:
    """Forward and backward; an update phase (v ← v − η·∂f/∂v) only when η is given."""
    graph = build_expression_graph(expression, values)
    plan = Plan(graph, frozen, update=learning_rate is not None)
    return Lesson(graph, plan, float(learning_rate or 0.0), None, frozen)


def expanded_lesson(spec: MLPSpec) -> Lesson:
    graph = build_expanded_graph(spec)
    plan = Plan(graph, spec.frozen)
    return Lesson(graph, plan, spec.learning_rate, spec, spec.frozen, rule_for(graph, spec))
