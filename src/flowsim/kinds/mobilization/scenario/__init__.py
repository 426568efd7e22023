"""The scenario: one YAML file parsed into typed, frozen objects.

- :mod:`~flowsim.kinds.mobilization.scenario.schema`: the pydantic models (:class:`Scenario` and its parts),
  the rules that span several parts, validation;
- :mod:`~flowsim.kinds.mobilization.scenario.loading`: reading YAML with the line of every key, ``extends:``,
  the calibrated parameter file (:func:`load_scenario`);
- :mod:`~flowsim.scenario.document`: dotted paths into plain documents and the error text.

Bad input raises :class:`~flowsim.errors.ScenarioError` (re-exported here).
"""

from flowsim.errors import ScenarioError
from flowsim.kinds.mobilization.scenario.loading import as_scenario, load_scenario, scenario_from_dict
from flowsim.kinds.mobilization.scenario.schema import (
    AGE_BANDS,
    DOCUMENTS,
    MODES,
    OCCUPATIONS,
    WEALTH_BANDS,
    Behaviour,
    Calendar,
    CalibrationParameter,
    CalibrationSpec,
    Crossing,
    Destination,
    Event,
    OnwardLink,
    Origin,
    Scenario,
)

__all__ = [
    "AGE_BANDS", "DOCUMENTS", "MODES", "OCCUPATIONS", "WEALTH_BANDS", "Behaviour", "Calendar",
    "CalibrationParameter", "CalibrationSpec", "Crossing", "Destination", "Event", "OnwardLink", "Origin",
    "Scenario", "ScenarioError", "as_scenario", "load_scenario", "scenario_from_dict",
]
