"""az's profile in the data directory: written once as the default service principal's login, never over a
login someone made there, with the secret readable by its owner only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from vaultlink.identity import azcli

CREDENTIALS = {"tenantId": "t-1", "subscriptionId": "s-1",
               "servicePrincipal": {"appId": "app-1", "objectId": "o-1", "secret": "shh"}}


def test_the_default_principal_is_signed_in(tmp_path: Path) -> None:
    config = azcli.sign_in(tmp_path, CREDENTIALS, "vaultlink subscription")
    assert config == tmp_path.resolve() / "az"
    profile = json.loads((config / azcli.PROFILE).read_text())
    [account] = profile["subscriptions"]
    assert account["id"] == "s-1" and account["tenantId"] == "t-1" and account["isDefault"] is True
    assert account["user"] == {"name": "app-1", "type": "servicePrincipal"}
    assert json.loads((config / azcli.SERVICE_PRINCIPALS).read_text()) == [
        {"client_id": "app-1", "tenant": "t-1", "client_secret": "shh"}]
    assert stat.S_IMODE((config / azcli.SERVICE_PRINCIPALS).stat().st_mode) == 0o600


def test_a_login_made_there_is_kept(tmp_path: Path) -> None:
    config = tmp_path.resolve() / "az"
    config.mkdir()
    theirs = {"subscriptions": [{"id": "other", "user": {"name": "someone@example.com", "type": "user"}}]}
    (config / azcli.PROFILE).write_text("\ufeff" + json.dumps(theirs), encoding="utf-8")  # az writes a BOM
    azcli.sign_in(tmp_path, CREDENTIALS, "vaultlink subscription")
    assert json.loads((config / azcli.PROFILE).read_text(encoding="utf-8-sig")) == theirs
    assert not (config / azcli.SERVICE_PRINCIPALS).exists()
    (config / azcli.PROFILE).write_text('{"subscriptions": []}')  # after `az logout`: signed in again
    azcli.sign_in(tmp_path, CREDENTIALS, "vaultlink subscription")
    assert json.loads((config / azcli.PROFILE).read_text())["subscriptions"][0]["id"] == "s-1"
