"""Tests of flowsim.cli."""
