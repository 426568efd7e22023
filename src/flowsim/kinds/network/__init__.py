"""Network scenarios: a Flee-format case (``flowsim import-flee``) run by the general network engine."""
