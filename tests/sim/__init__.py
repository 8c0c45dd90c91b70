"""The deterministic simulation: seeded random schedules of both sides' users, delivered with faults to
the product's own use cases over in-memory adapters, then checked for convergence at quiescence."""
