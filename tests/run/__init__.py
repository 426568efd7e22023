"""Tests of flowsim.run."""
