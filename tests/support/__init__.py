"""Helpers shared by tests (and the local stack) that read template.yaml, the one source of truth."""
