"""Figures and the HTML report, drawn from a run folder's tables alone (never from the model).

- :mod:`~flowsim.figures.tables`: reading a run or ensemble folder (:func:`load_run`);
- :mod:`~flowsim.figures.style`: colours per country, formats, layout, :func:`save_figure`;
- one module per figure family: :mod:`~flowsim.figures.timeseries` (figures 1, 2, 3, 5),
  :mod:`~flowsim.figures.queues` (4), :mod:`~flowsim.figures.flows` (6),
  :mod:`~flowsim.figures.map` (7), :mod:`~flowsim.figures.fit` (8),
  :mod:`~flowsim.figures.compare` and :mod:`~flowsim.figures.sensitivity`;
- :mod:`~flowsim.figures.run_figures`: :func:`plot_run`, every figure of a folder;
- :mod:`~flowsim.figures.report`: the self-contained ``report.html``.

Every ``plot_*`` function takes data frames and returns a :class:`matplotlib.figure.Figure`.
Nothing is imported here, so importing one figure module does not import the others.
"""
