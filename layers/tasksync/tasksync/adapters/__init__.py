"""Adapters: the only code that talks to AWS services and HTTP APIs; each implements a port."""
