"""Factories of the zones domain."""

__all__: list[str] = []
