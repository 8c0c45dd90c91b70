"""The domain: what a reminder task, a Salesforce Task, a user's sync settings and a sync link are, and
the pure rules between them (field map, subject template, eligibility). No I/O here."""
