"""The az CLI's configuration directory inside the data directory, signed in as the default service principal.

`vaultlink env` exports AZURE_CONFIG_DIR pointing here, so az run through vaultlink never reads or writes the
user's own ~/.azure. At every start the server writes what `az login --service-principal` would have left
there, unless a login is already there (the user's own `az login` in this directory stays as it is):

- `azureProfile.json`: the subscription as az lists it, the service principal as its user, the default;
- `service_principal_entries.json` (mode 0600): the principal's client secret, from which az asks for tokens
  itself when a command needs one (its token cache starts empty, as after a login on another machine);
- `config`: the cloud az talks to, AzureCloud, whose hosts vaultlink's proxy answers.

These are az's own files, in the layout az 2.x writes on Linux and macOS (there the secret is plain JSON,
under the file's mode). Writing them takes a millisecond; running `az login` would take seconds and need az.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vaultlink.core.files import write_private

PROFILE = "azureProfile.json"
SERVICE_PRINCIPALS = "service_principal_entries.json"
CONFIG = "config"


def az_config_dir(data_dir: Path) -> Path:
    return data_dir.resolve() / "az"


def signed_in(config_dir: Path) -> bool:
    """Whether az in this directory already has an account (after any `az login` there)."""
    try:
        profile = json.loads((config_dir / PROFILE).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return False
    return isinstance(profile, dict) and bool(profile.get("subscriptions"))


def sign_in(data_dir: Path, credentials: dict[str, Any], subscription_name: str) -> Path:
    """az in the data directory's config directory, signed in as the default service principal (unless some
    login is there already); returns the directory."""
    config_dir = az_config_dir(data_dir)
    if signed_in(config_dir):
        return config_dir
    tenant, app = credentials["tenantId"], credentials["servicePrincipal"]
    config_dir.mkdir(parents=True, exist_ok=True)
    write_private(config_dir / SERVICE_PRINCIPALS, json.dumps(
        [{"client_id": app["appId"], "tenant": tenant, "client_secret": app["secret"]}], indent=4).encode())
    if not (config_dir / CONFIG).exists():
        write_private(config_dir / CONFIG, b"[cloud]\nname = AzureCloud\n\n[core]\ncollect_telemetry = no\n")
    write_private(config_dir / PROFILE, json.dumps({"subscriptions": [{
        "id": credentials["subscriptionId"], "name": subscription_name, "state": "Enabled",
        "user": {"name": app["appId"], "type": "servicePrincipal"}, "isDefault": True, "tenantId": tenant,
        "environmentName": "AzureCloud", "homeTenantId": tenant, "managedByTenants": [],
    }]}).encode())
    return config_dir
