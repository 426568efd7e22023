"""The tables of a mobilization run (:class:`~flowsim.kinds.mobilization.run.results.RunResult`)."""
