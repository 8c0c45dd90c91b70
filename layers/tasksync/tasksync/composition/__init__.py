"""The composition roots: the one place that builds the real adapters from a function's configuration,
once per container. Handlers ask a root for what they need; tests hand the same handlers a root of
fakes or moto (``override``). ``sync`` serves the functions that sync; ``intake`` the webhook and the
stream publisher, which must stay light (no engine, no simple-salesforce).
"""
