"""Tests of flowsim.kinds.network."""
