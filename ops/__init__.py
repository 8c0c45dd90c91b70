"""Commands for the engineers who run tasksync: onboarding an org's webhook, and the like."""
