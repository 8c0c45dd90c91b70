"""In-memory adapters of the ports, for unit tests and the simulation: the same contracts as the real
adapters, with hooks where faults are injected."""
