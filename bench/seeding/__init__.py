"""Deterministic bulk loading of the bench database (used by `bench/seed.py`)."""
