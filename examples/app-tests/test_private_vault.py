"""An application's test against a vault behind a private endpoint, with vaultlink's pytest plugin.

`pip install vaultlink` (or this checkout's `make run`) installs the plugin; `pytest` then gives every test
that names the `vaultlink` fixture a running vaultlink, started once per session on free ports.
"""

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.secrets import SecretClient


def test_the_app_reads_its_secret_only_from_inside_the_network(vaultlink):
    vault = vaultlink.private_vault()  # public access disabled, private endpoint, DNS zone, a machine inside
    client = SecretClient(vault.url, vault.credential())
    with vaultlink.inside(vault.machine):
        client.set_secret("db-password", "s3cret")
        assert client.get_secret("db-password").value == "s3cret"
    with pytest.raises(HttpResponseError, match="ForbiddenByConnection"):
        client.get_secret("db-password")  # the same client, now from the internet
