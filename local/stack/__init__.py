"""The whole stack on one machine, read from template.yaml: its resources built in moto, its functions'
handlers loaded and handed the events Lambda would hand them (``make run``, and the handler tests)."""
