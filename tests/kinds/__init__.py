"""Tests of flowsim.kinds."""
