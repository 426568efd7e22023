"""Work arrays reused from one call to the next.

A fresh array of tens of megabytes is new memory, and the kernel zeroes every page of it on
first touch: at full scale the choice of route allocated about 2 GB of such arrays a run,
and the page faults cost as much as the arithmetic. A :class:`Scratch` hands out views of
arrays it keeps (grown when a larger one is asked for), for results that are used up before
the next call asks for the same name.
"""

from __future__ import annotations

import math

import numpy as np

GROWTH = 1.25  # a little headroom, so that a day with a few more people does not reallocate


class Scratch:
    """Named, reusable work arrays."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        """A C-contiguous array of ``shape`` and ``dtype`` with arbitrary contents; it is
        overwritten by the next request for ``name``."""
        size = math.prod(shape)
        kept = self._arrays.get(name)
        if kept is None or kept.size < size or kept.dtype != np.dtype(dtype):
            kept = np.empty(int(size * GROWTH) + 1, dtype=dtype)
            self._arrays[name] = kept
        return kept[:size].reshape(shape)
