"""What a key vault's control-plane settings may be, and how a request changes them. Pure functions: no store,
no HTTP. Each refusal names the property and the value it refused.

A vault's stored `properties` are the wire shape Azure answers with (privateEndpointConnections excepted:
those are rendered from the connection records), so reading a vault is copying it.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import Any

from vaultlink.arm.providers.keyvault.errors import KeyVaultBadRequest, SkuNotSupported, VaultNameNotValid
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId

VAULT_TYPE = "Microsoft.KeyVault/vaults"
NAMESPACE = "Microsoft.KeyVault"
_NAME = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]")

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "keys": ("all", "encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify", "get", "list", "create",
             "update", "import", "delete", "backup", "restore", "recover", "purge", "release", "rotate",
             "getrotationpolicy", "setrotationpolicy"),
    "secrets": ("all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"),
    "certificates": ("all", "get", "list", "delete", "create", "import", "update", "managecontacts", "getissuers",
                     "listissuers", "setissuers", "deleteissuers", "manageissuers", "recover", "purge", "backup",
                     "restore"),
    "storage": ("all", "get", "list", "delete", "set", "update", "regeneratekey", "recover", "purge", "backup",
                "restore", "setsas", "listsas", "getsas", "deletesas"),
}
MAX_ACCESS_POLICIES, MAX_IP_RULES, MAX_VNET_RULES = 1024, 1000, 200
RETENTION_DEFAULT, RETENTION_MIN, RETENTION_MAX = 90, 7, 90
RBAC_DEFAULT_FROM = "2026-02-01"
"""From this api-version on, a vault created without enableRbacAuthorization uses RBAC (Azure's new default);
older api-versions create it with access policies."""
_PRIVATE_V4 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_READ_ONLY = {"vaultUri", "provisioningState", "privateEndpointConnections", "hsmPoolResourceId", "createMode"}


# ---- names --------------------------------------------------------------------------------------------------

def is_valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


def check_name(name: str) -> None:
    if not is_valid_name(name):
        raise VaultNameNotValid(name=name)


def vault_uri(name: str) -> str:
    return f"https://{name.lower()}.vault.azure.net/"


# ---- scalar checks ------------------------------------------------------------------------------------------

def bad(message: str) -> errors.AzureError:
    return KeyVaultBadRequest(message=message)


def guid(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise bad(f"Bad JSON content found in the request. '{field}' must be a GUID string, not {value!r}.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bad(f"Bad JSON content found in the request. '{field}' must be a GUID; '{value}' is not.") from None


def flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise bad(f"Bad JSON content found in the request. '{field}' must be true or false, not {value!r}.")
    return value


def choice(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed`, matched case-insensitively and echoed in Azure's casing."""
    for option in allowed:
        if isinstance(value, str) and value.lower() == option.lower():
            return option
    raise bad(f"The value '{value}' of '{field}' is invalid. Allowed values are: {', '.join(allowed)}.")


def sku_of(value: Any) -> dict[str, str]:
    if value is None:
        raise errors.MissingRequiredParameter(name="properties.sku")
    if not isinstance(value, dict):
        raise SkuNotSupported(sku=repr(value))
    family, name = value.get("family"), value.get("name")
    if not isinstance(family, str) or family.upper() != "A" or not isinstance(name, str) \
            or name.lower() not in ("standard", "premium"):
        raise SkuNotSupported(sku=f"{{family: {family!r}, name: {name!r}}}")
    return {"family": "A", "name": name.lower()}


def retention_of(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not RETENTION_MIN <= value <= RETENTION_MAX:
        raise bad(f"The value '{value}' of 'properties.softDeleteRetentionInDays' is invalid. It must be an integer "
                  f"from {RETENTION_MIN} to {RETENTION_MAX}.")
    return value


def create_mode_of(props: dict[str, Any]) -> str:
    mode = props.get("createMode")
    return "default" if mode is None else choice(mode, "properties.createMode", ("default", "recover"))


# ---- access policies ----------------------------------------------------------------------------------------

def access_policies_of(value: Any, field: str = "properties.accessPolicies") -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"Bad JSON content found in the request. '{field}' must be an array.")
    if len(value) > MAX_ACCESS_POLICIES:
        raise bad(f"'{field}' has {len(value)} entries; a vault has at most {MAX_ACCESS_POLICIES} access policies.")
    return [access_policy_of(entry, f"{field}[{i}]") for i, entry in enumerate(value)]


def access_policy_of(entry: Any, field: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise bad(f"Bad JSON content found in the request. '{field}' must be an object.")
    policy: dict[str, Any] = {"tenantId": guid(entry.get("tenantId"), f"{field}.tenantId"),
                              "objectId": guid(entry.get("objectId"), f"{field}.objectId")}
    if entry.get("applicationId") is not None:
        policy["applicationId"] = guid(entry["applicationId"], f"{field}.applicationId")
    perms = entry.get("permissions")
    if not isinstance(perms, dict):
        raise errors.MissingRequiredParameter(name=f"{field}.permissions")
    policy["permissions"] = {}
    for kind, allowed in PERMISSIONS.items():
        given = perms.get(kind)
        if given is None:
            continue
        if not isinstance(given, list):
            raise bad(f"Bad JSON content found in the request. '{field}.permissions.{kind}' must be an array.")
        chosen: list[str] = []
        for j, p in enumerate(given):
            canonical = next((a for a in allowed if isinstance(p, str) and a.lower() == p.lower()), None)
            if canonical is None:
                raise bad(f"Invalid value found at {field}.permissions.{kind}[{j}]: '{p}'. Allowed values are: "
                          f"{', '.join(allowed)}.")
            if canonical not in chosen:
                chosen.append(canonical)
        policy["permissions"][kind] = chosen
    return policy


def _identity(policy: dict[str, Any]) -> tuple[str, str, str]:
    return (policy["tenantId"].lower(), policy["objectId"].lower(), str(policy.get("applicationId", "")).lower())


def update_access_policies(current: list[dict[str, Any]], kind: str, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`add` merges permissions into the entry for the same tenant, object (and application) or appends it;
    `replace` sets that entry's permissions; `remove` takes the listed permissions away and drops an entry
    left with none."""
    result = [dict(p, permissions={k: list(v) for k, v in p["permissions"].items()}) for p in current]
    for policy in given:
        match = next((p for p in result if _identity(p) == _identity(policy)), None)
        if kind == "remove":
            if match is None:
                continue
            for perm_kind, perms in policy["permissions"].items():
                left = [p for p in match["permissions"].get(perm_kind, []) if p not in perms]
                match["permissions"][perm_kind] = left
            if not any(match["permissions"].values()):
                result.remove(match)
        elif match is None:
            result.append(dict(policy, permissions={k: list(v) for k, v in policy["permissions"].items()}))
        elif kind == "replace":
            match["permissions"] = {k: list(v) for k, v in policy["permissions"].items()}
        else:
            for perm_kind, perms in policy["permissions"].items():
                have = match["permissions"].setdefault(perm_kind, [])
                have.extend(p for p in perms if p not in have)
    if len(result) > MAX_ACCESS_POLICIES:
        raise bad(f"The vault would have {len(result)} access policies; a vault has at most {MAX_ACCESS_POLICIES}.")
    return result


# ---- network rules ------------------------------------------------------------------------------------------

def ip_rule_of(value: Any, field: str) -> str:
    """A public IPv4 address or range; a bare address is echoed as /32, as Azure does."""
    text = value.get("value") if isinstance(value, dict) else None
    if not isinstance(text, str):
        raise bad(f"Bad JSON content found in the request. '{field}' must be an object {{\"value\": \"<IPv4 or CIDR>\"}}.")
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise bad(f"The IP rule '{text}' at '{field}' is not a valid IPv4 address or CIDR range.") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise bad(f"The IP rule '{text}' at '{field}' is an IPv6 address; Key Vault firewall rules accept IPv4 only.")
    if any(net.subnet_of(private) for private in _PRIVATE_V4):
        raise bad(f"The IP rule '{text}' at '{field}' is a private (RFC 1918) address range; Key Vault firewall "
                  "rules accept public IPv4 addresses and ranges only. Use a private endpoint or a virtual "
                  "network rule for private traffic.")
    return text.strip() if "/" in text else f"{text.strip()}/32"


def vnet_rule_of(value: Any, field: str) -> dict[str, Any]:
    sid = value.get("id") if isinstance(value, dict) else None
    rid = ResourceId.try_parse(sid) if isinstance(sid, str) else None
    if rid is None or rid.type.lower() != "microsoft.network/virtualnetworks/subnets":
        raise bad(f"The virtual network rule '{sid}' at '{field}.id' is not a subnet resource id "
                  "(/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Network/virtualNetworks/{v}/subnets/{n}).")
    assert isinstance(value, dict) and isinstance(sid, str)
    ignore = value.get("ignoreMissingVnetServiceEndpoint")
    return {"id": sid.lower(),
            "ignoreMissingVnetServiceEndpoint": False if ignore is None else flag(ignore, f"{field}.ignoreMissingVnetServiceEndpoint")}


def network_acls_of(value: Any) -> dict[str, Any]:
    field = "properties.networkAcls"
    if not isinstance(value, dict):
        raise bad(f"Bad JSON content found in the request. '{field}' must be an object.")
    ip_rules, vnet_rules = value.get("ipRules") or [], value.get("virtualNetworkRules") or []
    if not isinstance(ip_rules, list) or not isinstance(vnet_rules, list):
        raise bad(f"Bad JSON content found in the request. '{field}.ipRules' and '{field}.virtualNetworkRules' must be arrays.")
    if len(ip_rules) > MAX_IP_RULES:
        raise bad(f"'{field}.ipRules' has {len(ip_rules)} rules; a vault has at most {MAX_IP_RULES} IP rules.")
    if len(vnet_rules) > MAX_VNET_RULES:
        raise bad(f"'{field}.virtualNetworkRules' has {len(vnet_rules)} rules; a vault has at most "
                  f"{MAX_VNET_RULES} virtual network rules.")
    ips: list[str] = []
    for i, rule in enumerate(ip_rules):
        ip = ip_rule_of(rule, f"{field}.ipRules[{i}]")
        if ip not in ips:
            ips.append(ip)
    vnets: list[dict[str, Any]] = []
    for i, rule in enumerate(vnet_rules):
        vnet = vnet_rule_of(rule, f"{field}.virtualNetworkRules[{i}]")
        if all(v["id"] != vnet["id"] for v in vnets):
            vnets.append(vnet)
    return {
        "bypass": choice(value.get("bypass", "AzureServices"), f"{field}.bypass", ("AzureServices", "None")),
        "defaultAction": choice(value.get("defaultAction", "Allow"), f"{field}.defaultAction", ("Allow", "Deny")),
        "ipRules": [{"value": ip} for ip in ips],
        "virtualNetworkRules": vnets,
    }


# ---- the whole properties object ----------------------------------------------------------------------------

def put_properties(props: dict[str, Any], *, name: str, api_version: str,
                   existing: dict[str, Any] | None) -> dict[str, Any]:
    """A PUT's properties: what the request says, create defaults for what it leaves out, except the settings
    an existing vault keeps until told otherwise (soft delete, purge protection, retention, the access model)."""
    base: dict[str, Any] = {
        "enabledForDeployment": False, "enabledForDiskEncryption": False, "enabledForTemplateDeployment": False,
        "enableSoftDelete": True, "softDeleteRetentionInDays": RETENTION_DEFAULT,
        "enableRbacAuthorization": api_version[:10] >= RBAC_DEFAULT_FROM, "publicNetworkAccess": "Enabled",
        "accessPolicies": [],
    }
    if existing is not None:
        for key in ("enableSoftDelete", "softDeleteRetentionInDays", "enableRbacAuthorization", "enablePurgeProtection"):
            if key in existing:
                base[key] = existing[key]
    return _apply(props, base, existing, name)


def patch_properties(props: dict[str, Any], *, name: str, existing: dict[str, Any]) -> dict[str, Any]:
    """A PATCH's properties: the existing ones with what the request names changed."""
    return _apply(props, {k: v for k, v in existing.items() if k not in _READ_ONLY}, existing, name)


def _apply(props: dict[str, Any], base: dict[str, Any], existing: dict[str, Any] | None, name: str) -> dict[str, Any]:
    out = dict(base)
    given = {k: v for k, v in props.items() if v is not None and k not in _READ_ONLY}
    if "tenantId" in given:
        out["tenantId"] = guid(given["tenantId"], "properties.tenantId")
    if "sku" in given:
        out["sku"] = sku_of(given["sku"])
    if "accessPolicies" in given:
        out["accessPolicies"] = access_policies_of(given["accessPolicies"])
    for key in ("enabledForDeployment", "enabledForDiskEncryption", "enabledForTemplateDeployment", "enableRbacAuthorization"):
        if key in given:
            out[key] = flag(given[key], f"properties.{key}")
    # Azure turns soft delete on for every new vault, whatever the request says; an existing one refuses false.
    if "enableSoftDelete" in given and not flag(given["enableSoftDelete"], "properties.enableSoftDelete") \
            and existing is not None:
        raise bad('The property "enableSoftDelete" cannot be set to false. Enabling the soft delete for a vault '
                  "is an irreversible action.")
    if "softDeleteRetentionInDays" in given:
        days = retention_of(given["softDeleteRetentionInDays"])
        if existing is not None and days != existing.get("softDeleteRetentionInDays", RETENTION_DEFAULT):
            raise bad(f"The property \"softDeleteRetentionInDays\" cannot be changed from "
                      f"{existing.get('softDeleteRetentionInDays', RETENTION_DEFAULT)} to {days}. The retention "
                      "period of a vault is set when it is created.")
        out["softDeleteRetentionInDays"] = days
    if "enablePurgeProtection" in given:
        if not flag(given["enablePurgeProtection"], "properties.enablePurgeProtection"):
            raise bad('The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection '
                      "for a vault is an irreversible action.")
        out["enablePurgeProtection"] = True
    if "networkAcls" in given:
        out["networkAcls"] = network_acls_of(given["networkAcls"])
    if "publicNetworkAccess" in given:
        out["publicNetworkAccess"] = choice(given["publicNetworkAccess"], "properties.publicNetworkAccess",
                                            ("Enabled", "Disabled"))
    if "tenantId" not in out:
        raise errors.MissingRequiredParameter(name="properties.tenantId")
    if "sku" not in out:
        raise errors.MissingRequiredParameter(name="properties.sku")
    out["enableSoftDelete"] = True
    out["vaultUri"] = vault_uri(name)
    out["provisioningState"] = "Succeeded"
    return _ordered(out)


_ORDER = ("sku", "tenantId", "networkAcls", "accessPolicies", "enabledForDeployment", "enabledForDiskEncryption",
          "enabledForTemplateDeployment", "enableSoftDelete", "softDeleteRetentionInDays", "enableRbacAuthorization",
          "enablePurgeProtection", "vaultUri", "provisioningState", "publicNetworkAccess")


def _ordered(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props[k] for k in _ORDER if k in props}
