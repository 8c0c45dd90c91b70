"""The rep's HTTP API (SPEC 9) on Powertools' event handler: routes (``*_routes``), the JSON shapes
(``shapes``), who may call what (``access``) and the one mapping of errors to answers (``errors``).
``functions/api/app.py`` puts them together; each route parses, calls one use case, and answers."""
