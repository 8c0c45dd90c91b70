"""The use cases the handlers call: load what a decision needs through the ports, ask the engine, carry
out its decision in a crash-safe order, and retry on a concurrent update."""
