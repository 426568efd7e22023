"""Tests of flowsim.figures."""
