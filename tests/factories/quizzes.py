"""Factories of the quizzes domain."""

__all__: list[str] = []
