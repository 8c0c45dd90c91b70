"""The interfaces the use cases depend on. Each has one real adapter (tasksync.adapters) and an
in-memory fake for tests and the simulation (tests/fakes)."""
