"""Salesforce Task change events, as the CDC webhook and the Event Relay consumer receive them.

Two steps, in two modules, so that a webhook can refuse a bad body without importing the engine:

- ``messages.read_change_events(body, org_id=...)`` reads and validates the wire shape (CometD
  messages, their ``data``, lists of either, ``{"events": [...]}``, Event Relay events on EventBridge)
  into ``TaskChangeEvents``; it imports nothing from the engine, the use cases or the adapters.
- ``conversion.to_salesforce_changes(events)`` turns them into the engine's ``SalesforceChange`` values
  and ``ReconcileOrg`` signals; ``conversion.parse_change_events`` does both.

Every refusal is an ``errors.ChangeEventRejected`` (a ``ValueError``) naming what is wrong, and a
refused body yields nothing.
"""
