"""The rep's web page (local/web) in a real browser, against the local stack that ``make run`` starts."""
