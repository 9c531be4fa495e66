from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultlink.core.ids import InvalidResourceId, ResourceId

name = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1, max_size=20)


def test_parse_nested_resource() -> None:
    rid = ResourceId.parse("/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/V/subnets/S")
    assert rid.subscription == "S1" and rid.resource_group == "RG"
    assert rid.type == "Microsoft.Network/virtualNetworks/subnets" and rid.name == "S"
    assert str(rid.parent) == "/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/V"
    assert rid.key == str(rid).lower()


def test_ids_compare_case_insensitively_but_keep_their_casing() -> None:
    a = ResourceId.parse("/subscriptions/s/resourceGroups/Rg/providers/Microsoft.KeyVault/vaults/KV")
    b = ResourceId.parse("/SUBSCRIPTIONS/s/RESOURCEGROUPS/rg/PROVIDERS/microsoft.keyvault/VAULTS/kv")
    assert a == b and hash(a) == hash(b)
    assert str(a).endswith("/vaults/KV")


@pytest.mark.parametrize("text", ["", "/", "/subscriptions", "/foo/bar", "/subscriptions/s/resourceGroups",
                                  "/subscriptions/s/providers/Microsoft.KeyVault/vaults"])
def test_invalid_ids(text: str) -> None:
    if text == "/subscriptions/s/providers/Microsoft.KeyVault/vaults":
        with pytest.raises(InvalidResourceId):
            ResourceId.parse(text)
        return
    assert ResourceId.try_parse(text) is None


@given(sub=name, group=name, vault=name, child=name)
def test_round_trip(sub: str, group: str, vault: str, child: str) -> None:
    rid = ResourceId(sub, group).provider("Microsoft.KeyVault", "vaults", vault).child("privateEndpointConnections", child)
    assert ResourceId.parse(str(rid)) == rid
    assert str(ResourceId.parse(str(rid))) == str(rid)
