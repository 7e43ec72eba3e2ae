"""Factories of the rewards domain."""

__all__: list[str] = []
