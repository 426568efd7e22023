"""The network kind's dashboard: its page (:mod:`.pages`) and live charts (:mod:`.charts`)."""
