"""Tests of flowsim.analysis."""
