"""What every kind of scenario shares: dotted paths into plain documents and the error text
naming file, line and key (:mod:`~flowsim.scenario.document`).

A kind's own schema and loading live in its package (``flowsim.kinds.<kind>.scenario``).
"""
