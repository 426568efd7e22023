"""The mobilization kind's analyses of its own runs: the headline numbers ensembles, comparisons and
sensitivity analyses report (:mod:`~flowsim.kinds.mobilization.analysis.key_outputs`)."""
