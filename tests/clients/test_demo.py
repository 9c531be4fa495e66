"""`vaultlink demo` runs the seed end to end and shows the validation section's outcome."""

from __future__ import annotations

import re
import subprocess
import sys


def test_demo_shows_the_seed_validation() -> None:
    out = subprocess.run([sys.executable, "-m", "vaultlink", "demo"], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    vault = re.search(r"key vault (demo[0-9a-f]+):", text)
    assert vault, text
    name = vault.group(1)
    assert "private endpoint pe-auto (automatic): Approved, network interface 10.1.0.4" in text
    assert "private endpoint pe-manual (manual request): Pending, network interface 10.1.0.5" in text
    inside, outside = text.split("asked of the internet's resolver")
    assert f"{name}.vault.azure.net\tcanonical name = {name}.privatelink.vaultcore.azure.net." in inside
    assert "Address: 10.1.0.4" in inside
    assert "Address: 198.51.100." in outside.split("# GET")[0]
    assert "200: hello from inside the network" in text
    assert "Public network access is disabled and request is not from a trusted service nor via an approved private link." in text
    refused = re.search(r"403 \(Forbidden, ForbiddenByConnection\), x-ms-request-id ([0-9a-f-]{36})", text)
    assert refused, text
    request_id = refused.group(1)
    why = text.split(f"$ vaultlink why {request_id}\n")[1]
    assert why.startswith(f"  cause: the request lands on {name}'s public endpoint and {name} has public network "
                          "access disabled")  # the troubleshooter's replay leads
    assert why.splitlines()[0].endswith("(ForbiddenByConnection; check 'firewall')")
    assert f"request {request_id} to vault {name} from the internet" in why
    assert "rule:    publicNetworkAccess: refused (ForbiddenByConnection)" in why
    assert " az " not in text  # it runs no az, so it shows no az command
