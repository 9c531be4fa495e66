"""The control plane at management.azure.com.

Owns: the request pipeline (`app.py`: api-version, authentication, route, error envelope), routes as data
(`dispatch.py`), the api-version registry (`versions.py`), ETags and long-running operations (`envelope.py`,
`operations.py`), and the resource providers under `providers/`, each with routes, service and schemas.
May import: identity, network, store, core. Start with `app.py`.
"""
