"""Flee's score (ARD), many runs with bands, and ABC-SMC on network scenarios."""
