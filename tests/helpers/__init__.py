"""What several test modules share: paths, small hand-built worlds and cases, run folders, guards.

Test modules import these (``from helpers.paths import TINY``); ``tests/`` is on the import path
(``pythonpath`` in pyproject.toml). Fixtures live in ``tests/conftest.py``.
"""
