"""Backstep: a step-through visualiser of backpropagation."""

__version__ = "0.1.0"
