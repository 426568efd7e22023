"""Flee case files: reading them exactly as Flee 3.1 does, and importing them as flowsim scenarios.

Flee (djgroen/flee) is the reference agent-based model of forced migration; its cases are a
folder with ``input_csv/`` (locations, routes, closures, conflicts, simulation period,
registration corrections) and ``source_data/`` (UNHCR series listed in ``data_layout.csv``).
This package sits at the scenario level: it reads input files into typed objects and never
imports the engine.
"""
