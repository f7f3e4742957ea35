"""Reusable pieces of the tutorial's screens."""
