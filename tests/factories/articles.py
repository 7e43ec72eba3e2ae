"""Factories of the articles domain."""

__all__: list[str] = []
