"""The Salesforce gateway adapter: simple-salesforce and ``requests`` behind the ``SalesforceGateway`` port.

Build one with ``tasksync.adapters.salesforce.gateway.connect(secret_name, GatewaySettings(...))``.
Only ``gateway`` imports simple-salesforce (about 0.4 s of import time); the other modules here are
cheap, so a budget governor may import ``limits`` without paying for it.
"""
