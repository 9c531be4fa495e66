"""The composition root: builds the store, the directory, the apps and the edge, and runs them.

Owns: start-up, shutdown, the files in the data directory, and which app serves which host. May import every
room below it. Start with `server.py`; `bootstrap.py` makes the default tenant on first start.
"""
