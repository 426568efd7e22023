"""Every seed flowsim derives comes from flowsim.run.seeds, and stays what it was.

The pinned numbers are the seeds the derivations gave before they moved into one module
(ensembles, validations, calibration proposals and their runs, posterior draws): a change
here would silently change every ensemble, validation and calibration of every kind.
"""

from __future__ import annotations

import numpy as np

from flowsim.run.seeds import Purpose, derived_seed, derived_seeds, parameter_digest, random_stream, spawn_seeds


def test_the_runs_of_an_ensemble_keep_their_seeds_and_extend():
    assert spawn_seeds(2022, 3) == [1500044769, 1085031535, 1344286706]
    assert spawn_seeds(2022, 5)[:3] == spawn_seeds(2022, 3)  # adding runs keeps the first ones


def test_a_calibration_proposal_and_its_run_keep_their_seeds():
    assert derived_seed(2022, 0, 5) == 1848267828  # proposal 5 of generation -2 (pyABC's t + 2)
    digest = parameter_digest([0.5, 2.0])
    assert digest == 8365551736836881019
    assert derived_seed(2022, digest) == 2749473177
    assert parameter_digest([0.5, 2.0 + 1e-15]) != digest  # the exact values, not a rounding of them


def test_derived_seeds_start_with_the_derived_seed():
    assert derived_seeds(2022, count=3) == [772893028, 188221639, 4169813084]
    assert derived_seed(2022) == derived_seeds(2022, count=3)[0]


def test_each_purpose_draws_its_own_stream():
    posterior = random_stream(2022, Purpose.POSTERIOR_DRAWS).random(2)
    assert np.allclose(posterior, [0.750013283138, 0.256340018022], rtol=0, atol=1e-12)
    streams = {purpose: random_stream(2022, purpose).random(4).tolist() for purpose in Purpose}
    assert len({tuple(s) for s in streams.values()}) == len(Purpose)
    assert random_stream(2022, Purpose.PRIOR_PREDICTIVE).random(4).tolist() == streams[Purpose.PRIOR_PREDICTIVE]
