"""Template deployments through the real az CLI: the seed's whole topology from one template
(examples/seed-topology.json) with `az deployment group create`, after which a machine inside gets the private
answer from its resolver (dig) and a SecretClient from it is admitted while the internet is refused; validate,
what-if, show, list, operations; a type vaultlink does not serve (the load balancer `az network lb create`
deploys) refused by name; a failing resource failing the deployment with its own error while what came before
it stays; complete mode; a subscription-scope deployment with a nested one; and a restart keeping it all."""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from tests.clients import az_support
from tests.clients.az_support import ROOT, Az, Raw
from tests.clients.machines_support import vaultlink_cli, vm_json
from tests.vaultlink_process import Running

pytestmark = pytest.mark.az

GROUP, VAULT = "rg-deploy", "kv-deploy-seed"
SEED = ROOT / "examples" / "seed-topology.json"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with az_support.server(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def az(running: Running, tmp_path_factory: pytest.TempPathFactory) -> Az:
    az = Az(running, tmp_path_factory.mktemp("azure-cli"))
    az.login()
    az("group", "create", "-n", GROUP, "-l", "eastus")
    return az


@pytest.fixture(scope="module")
def seed(az: Az, running: Running) -> dict[str, Any]:
    principal = running.credentials["servicePrincipal"]["objectId"]
    deployed: dict[str, Any] = az("deployment", "group", "create", "-g", GROUP, "-n", "seed", "--template-file",
                                  str(SEED), "--parameters", f"vaultName={VAULT}",
                                  f"secretsOfficerPrincipalId={principal}")
    return deployed


def write(tmp: Path, template: dict[str, Any]) -> str:
    path = tmp / "template.json"
    path.write_text(json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                                "deploymentTemplate.json#", "contentVersion": "1.0.0.0", **template}))
    return str(path)


def vnet(name: str, prefix: str, subnet_prefix: str | None = None) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": name,
            "location": "[resourceGroup().location]", "properties": {
                "addressSpace": {"addressPrefixes": [prefix]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": subnet_prefix or prefix}}]}}


def test_the_seed_topology_from_one_template(seed: dict[str, Any], az: Az, running: Running) -> None:
    props = seed["properties"]
    assert props["provisioningState"] == "Succeeded" and props["mode"] == "Incremental"
    assert props["outputs"]["vaultUri"]["value"] == f"https://{VAULT}.vault.azure.net/"
    assert props["outputs"]["privateIp"]["value"] == "10.1.0.4"
    assert props["parameters"]["skuName"] == {"type": "String", "value": "standard"}
    made = [r["id"] for r in props["outputResources"]]
    assert len(made) == 7
    for part in (f"/vaults/{VAULT}", f"/virtualNetworks/{VAULT}-vnet", "/privateDnsZones/privatelink.vaultcore.azure.net",
                 f"/virtualNetworkLinks/{VAULT}-vnet-link", f"/privateEndpoints/{VAULT}-pe",
                 "/privateDnsZoneGroups/default", "/providers/Microsoft.Authorization/roleAssignments/"):
        assert any(part in i for i in made), part
    # Every child resource is really there, made through the same routes.
    assert az("keyvault", "show", "-n", VAULT)["properties"]["publicNetworkAccess"] == "Disabled"
    [record] = az("network", "private-dns", "record-set", "a", "list", "-g", GROUP, "-z",
                  "privatelink.vaultcore.azure.net")
    assert record["name"] == VAULT and record["aRecords"] == [{"ipv4Address": "10.1.0.4"}]
    link = az("network", "private-dns", "link", "vnet", "show", "-g", GROUP, "-z", "privatelink.vaultcore.azure.net",
              "-n", f"{VAULT}-vnet-link")
    assert link["virtualNetwork"]["id"].endswith(f"/virtualNetworks/{VAULT}-vnet")
    ops = az("deployment", "operation", "group", "list", "-g", GROUP, "-n", "seed")
    assert {o["properties"]["provisioningState"] for o in ops} == {"Succeeded"} and len(ops) == 7
    assert "seed" in [d["name"] for d in az("deployment", "group", "list", "-g", GROUP)]


def test_a_machine_inside_gets_the_private_answer_and_is_admitted(seed: dict[str, Any], running: Running) -> None:
    vaultlink_cli(running, "vm", "create", "vm-deploy", "-g", GROUP, "--vnet", f"{VAULT}-vnet", "--subnet", "default")
    host, port = vm_json(running, "show", "vm-deploy")["dnsServer"].rsplit(":", 1)
    answer = subprocess.run(["dig", f"@{host}", "-p", port, f"{VAULT}.vault.azure.net", "+short", "+time=2",
                             "+tries=1"], capture_output=True, text=True, timeout=20, check=False).stdout.split()
    assert answer[-1] == "10.1.0.4", answer
    c = running.credentials
    exports = vaultlink_cli(running, "env", "--vm", "vm-deploy").stdout
    inside_proxy = next(shlex.split(line.split("=", 1)[1])[0] for line in exports.splitlines()
                        if line.startswith("export HTTPS_PROXY="))

    def client(proxy: str) -> SecretClient:
        kw: dict[str, Any] = {"proxies": {"https": proxy}, "connection_verify": running.ca}
        cred = ClientSecretCredential(c["tenantId"], c["servicePrincipal"]["appId"], c["servicePrincipal"]["secret"], **kw)
        return SecretClient(f"https://{VAULT}.vault.azure.net", cred, **kw)

    assert client(inside_proxy).set_secret("deployed", "from inside").value == "from inside"
    with pytest.raises(HttpResponseError) as err:
        client(running.proxy).get_secret("deployed")
    assert err.value.status_code == 403 and "ForbiddenByConnection" in str(err.value.response.json())


def test_validate_what_if_and_export(seed: dict[str, Any], az: Az, running: Running) -> None:
    principal = running.credentials["servicePrincipal"]["objectId"]
    args = ("-g", GROUP, "--template-file", str(SEED), "--parameters", f"vaultName={VAULT}",
            f"secretsOfficerPrincipalId={principal}")
    validated = az("deployment", "group", "validate", *args)
    assert validated["properties"]["provisioningState"] == "Succeeded"
    assert len(validated["properties"]["validatedResources"]) == 7
    changes = az("deployment", "group", "what-if", *args, "--no-pretty-print")["changes"]
    assert {c["changeType"] for c in changes} <= {"NoChange", "Modify"} and len(changes) == 7
    fresh = az("deployment", "group", "what-if", "-g", GROUP, "--template-file", str(SEED), "--parameters",
               "vaultName=kv-deploy-other", "--no-pretty-print")["changes"]
    vault = next(c for c in fresh if c["resourceId"].endswith("/vaults/kv-deploy-other"))
    assert vault["changeType"] == "Create"
    exported = az("deployment", "group", "export", "-g", GROUP, "-n", "seed")
    assert exported["parameters"]["vaultName"]["type"] == "string"


def test_bad_templates_are_refused_in_azures_words(az: Az, tmp_path: Path) -> None:
    arm = Raw(az.running)
    url = f"/subscriptions/{arm.sub}/resourcegroups/{GROUP}/providers/Microsoft.Resources/deployments/bad"
    missing = arm("PUT", f"{url}?api-version=2024-11-01", {"properties": {
        "mode": "Incremental", "template": json.loads(SEED.read_text())}})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "InvalidTemplate"
    assert "'vaultName' is not provided" in missing.json()["error"]["message"]
    wrong = az.fails("deployment", "group", "create", "-g", GROUP, "--template-file", str(SEED),
                     "--parameters", f"vaultName={VAULT}", "skuName=gold")
    assert "InvalidTemplate" in wrong.stderr and "skuName" in wrong.stderr
    symbolic = write(tmp_path, {"languageVersion": "2.0", "resources": {}})
    refused = az.fails("deployment", "group", "create", "-g", GROUP, "--template-file", symbolic)
    assert "languageVersion 2.0" in refused.stderr


def test_a_type_vaultlink_does_not_serve_is_named(az: Az) -> None:
    failed = az.fails("network", "lb", "create", "-g", GROUP, "-n", "lb-deploy", "--sku", "Standard")
    assert "DeploymentFailed" in failed.stderr and "not served by vaultlink" in failed.stderr
    assert "'Microsoft.Network/loadBalancers'" in failed.stderr
    assert "lb-deploy" not in [r["name"] for r in az("resource", "list", "-g", GROUP)]


def test_a_failing_resource_fails_the_deployment_and_what_came_before_stays(az: Az, tmp_path: Path) -> None:
    template = write(tmp_path, {"resources": [
        vnet("vnet-first", "10.40.0.0/16", "10.40.0.0/24"),
        {**vnet("vnet-broken", "10.41.0.0/16", "10.99.0.0/24"), "dependsOn": ["vnet-first"]},
    ]})
    failed = az.fails("deployment", "group", "create", "-g", GROUP, "-n", "broken", "--template-file", template)
    assert "DeploymentFailed" in failed.stderr and "NetcfgSubnetRangeOutsideVnet" in failed.stderr
    shown = az("deployment", "group", "show", "-g", GROUP, "-n", "broken")
    assert shown["properties"]["provisioningState"] == "Failed"
    assert shown["properties"]["error"]["details"][0]["code"] == "NetcfgSubnetRangeOutsideVnet"
    names = [v["name"] for v in az("network", "vnet", "list", "-g", GROUP)]
    assert "vnet-first" in names and "vnet-broken" not in names


def test_copy_condition_and_complete_mode(az: Az, tmp_path: Path) -> None:
    az("group", "create", "-n", "rg-complete", "-l", "westeurope")
    az("network", "vnet", "create", "-g", "rg-complete", "-n", "vnet-stray", "--address-prefixes", "10.60.0.0/16")
    template = write(tmp_path, {
        "parameters": {"count": {"type": "int", "defaultValue": 2}, "extra": {"type": "bool", "defaultValue": False}},
        "resources": [
            {**vnet("[format('vnet-{0}', copyIndex(1))]", "[concat('10.', string(copyIndex(50)), '.0.0/16')]"),
             "copy": {"name": "nets", "count": "[parameters('count')]"}},
            {**vnet("vnet-extra", "10.70.0.0/16"), "condition": "[parameters('extra')]"},
        ],
        "outputs": {"names": {"type": "array", "copy": {"count": "[parameters('count')]",
                                                        "input": "[format('vnet-{0}', copyIndex(1))]"}}},
    })
    done = az("deployment", "group", "create", "-g", "rg-complete", "-n", "complete", "--mode", "Complete",
              "--template-file", template)
    assert done["properties"]["outputs"]["names"]["value"] == ["vnet-1", "vnet-2"]
    assert sorted(v["name"] for v in az("network", "vnet", "list", "-g", "rg-complete")) == ["vnet-1", "vnet-2"]
    assert az("network", "vnet", "show", "-g", "rg-complete", "-n", "vnet-2")["addressSpace"]["addressPrefixes"] == \
        ["10.51.0.0/16"]


def test_a_subscription_deployment_with_a_nested_one(az: Az, running: Running, tmp_path: Path) -> None:
    template = write(tmp_path, {
        "parameters": {"groupName": {"type": "string"}},
        "resources": [
            {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "[parameters('groupName')]",
             "location": "eastus"},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
             "resourceGroup": "[parameters('groupName')]",
             "dependsOn": ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('groupName'))]"],
             "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                            "template": {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                                         "deploymentTemplate.json#", "contentVersion": "1.0.0.0",
                                         "resources": [vnet("vnet-nested", "10.80.0.0/16")]}}},
        ],
    })
    done = az("deployment", "sub", "create", "-l", "eastus", "-n", "sub-seed", "--template-file", template,
              "--parameters", "groupName=rg-from-sub")
    assert done["properties"]["provisioningState"] == "Succeeded" and done["location"] == "eastus"
    assert az("network", "vnet", "show", "-g", "rg-from-sub", "-n", "vnet-nested")["name"] == "vnet-nested"
    assert az("deployment", "group", "show", "-g", "rg-from-sub", "-n", "inner")["properties"][
        "provisioningState"] == "Succeeded"
    assert "sub-seed" in [d["name"] for d in az("deployment", "sub", "list")]


def test_deployments_outlive_a_restart_and_cancel_only_what_runs(seed: dict[str, Any], az: Az,
                                                                 running: Running) -> None:
    running.restart()
    az.login()
    shown = az("deployment", "group", "show", "-g", GROUP, "-n", "seed")
    assert shown["properties"]["outputs"]["privateIp"]["value"] == "10.1.0.4"
    arm = Raw(running)
    url = (f"/subscriptions/{arm.sub}/resourcegroups/{GROUP}/providers/Microsoft.Resources/deployments/seed/cancel"
           "?api-version=2024-11-01")
    refused = arm("POST", url)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "DeploymentCannotBeCanceled"
    az("deployment", "group", "delete", "-g", GROUP, "-n", "seed")
    assert "seed" not in [d["name"] for d in az("deployment", "group", "list", "-g", GROUP)]
    assert az("keyvault", "show", "-n", VAULT)["name"] == VAULT  # deleting a deployment keeps its resources
