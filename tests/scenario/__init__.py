"""Tests of flowsim.scenario."""
