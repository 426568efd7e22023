"""The mobilization kind's dashboard: its pages (:mod:`.pages`) and live charts (:mod:`.charts`)."""
