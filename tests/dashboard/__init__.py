"""Tests of flowsim.dashboard."""
