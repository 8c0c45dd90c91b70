"""The pure sync engine (SPEC section 7): given one change and what is known, decide what each side must
do and what the link becomes. No I/O and no clock: time comes in as data."""
