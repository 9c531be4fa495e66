"""What every control-plane test support shares: `vaultlink identity` run as a command, and one principal's
view of one subscription, with the credential and the resource client the other views build on."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from tests.vaultlink_process import Running


def cli(running: Running, *args: str) -> dict[str, Any]:
    """`vaultlink identity ARGS` against the server's data directory, its JSON answer."""
    out = subprocess.run([sys.executable, "-m", "vaultlink", "identity", *args, "--data-dir", str(running.data_dir)],
                         check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


@dataclass
class Principal:
    """A service principal signed in to one subscription of one tenant."""

    running: Running
    tenant_id: str
    subscription_id: str
    app_id: str
    object_id: str
    secret: str

    @property
    def credential(self) -> ClientSecretCredential:
        return ClientSecretCredential(self.tenant_id, self.app_id, self.secret)

    @property
    def rm(self) -> ResourceManagementClient:
        return ResourceManagementClient(self.credential, self.subscription_id)  # type: ignore[arg-type]
