"""Zones (电子围栏), promoters, enrollment and on-site events."""
