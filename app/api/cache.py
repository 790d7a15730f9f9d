"""Memos of pure functions of a request, bounded by memory: built lessons (graph, plan and the
states they keep) and serialised answers. Any entry can be rebuilt from its request alone, so a
worker that loses them (a restart, another replica) answers the same, only slower."""

from __future__ import annotations

from app.memo import MB, Memo

# Budgets per worker process; create_app sets them from the settings.
lessons: Memo = Memo(512 * MB, lambda lesson: lesson.max_bytes, share=2)
answers: Memo[bytes] = Memo(128 * MB, len, share=4)  # a 10×64 graph: 24 MB


def configure(lesson_mb: int, answer_mb: int) -> None:
    lessons.budget, answers.budget = lesson_mb * MB, answer_mb * MB
    lessons.clear()
    answers.clear()
