"""Tests of flowsim.kinds.mobilization."""
