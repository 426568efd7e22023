"""flowsim: agent-based simulation of the autumn-2022 exodus from Russian mobilization."""

__version__ = "0.1.0"
