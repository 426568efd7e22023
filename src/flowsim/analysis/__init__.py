"""Many runs and what they say: targets, validation, calibration, ensembles, comparisons, sensitivity.

- :mod:`~flowsim.analysis.targets`: the documented figures and how each is computed from a run's tables;
- :mod:`~flowsim.analysis.validation`: runs held against the targets;
- :mod:`~flowsim.analysis.calibration`: ABC-SMC with pyABC;
- :mod:`~flowsim.analysis.executors`: serial / process pool / Dask behind one ``concurrent.futures``
  interface;
- :mod:`~flowsim.analysis.ensemble`: many runs streamed to disk, percentile bands;
- :mod:`~flowsim.analysis.compare`: what-if vs baseline with common random numbers;
- :mod:`~flowsim.analysis.sensitivity`: Morris and Sobol' with SALib.

Analysis functions take a scenario of any kind (or a path), run it through
:mod:`flowsim.run`, and may draw their own charts with :mod:`flowsim.figures`.
"""
