"""The DynamoDB adapters: sync state (settings, links, cursors, errors) in the state table, and the SIA
reminder-task store with its stream. Key layouts: ``state_table`` and ``reminder_task_table``; the
reasons: docs/decisions/0002-dynamodb-state.md."""
