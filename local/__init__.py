"""The local stack's own pieces (never deployed): the Salesforce org emulator lives in ``salesforce_org``."""
