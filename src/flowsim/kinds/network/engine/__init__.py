"""The network engine (:class:`~flowsim.kinds.network.engine.model.NetworkModel`) and Flee 3.1's rules."""
