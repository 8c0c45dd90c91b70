"""Helpers shared by tests (and the local stack): template.yaml readers (the one source of truth), the
Secrets Manager fixture, the webhook signature's fixed vector."""
