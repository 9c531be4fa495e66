"""The same check from two locations, each test in a clean subscription of its own.

`vaultlink_subscription` is a new tenant and subscription per test, whose resources are deleted and vaults
purged afterwards; `vaultlink.internet` and a private vault's `machine` are the locations `vaultlink.inside`
sends from.
"""

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.secrets import SecretClient


@pytest.fixture
def orders(vaultlink, vaultlink_subscription):
    vault = vaultlink_subscription.private_vault()  # a new vault name for each test
    with vaultlink.inside(vault.machine):
        SecretClient(vault.url, vault.credential()).set_secret("api-key", "k-123")
    return vault


@pytest.mark.parametrize("where", ["in the network", "on the internet"])
def test_reading_the_api_key(vaultlink, orders, where):
    location = orders.machine if where == "in the network" else vaultlink.internet
    with vaultlink.inside(location):
        client = SecretClient(orders.url, orders.credential())
        if where == "in the network":
            assert client.get_secret("api-key").value == "k-123"
        else:
            with pytest.raises(HttpResponseError) as refused:
                client.get_secret("api-key")
            assert refused.value.status_code == 403
            assert "ForbiddenByConnection" in str(refused.value)
