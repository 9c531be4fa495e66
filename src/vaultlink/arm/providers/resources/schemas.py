"""Wire shapes of Microsoft.Resources."""

from __future__ import annotations

from typing import Any

from vaultlink.arm import catalog
from vaultlink.core.regions import REGIONS


def subscription(sub: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub['subscriptionId']}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub["subscriptionId"],
        "tenantId": sub["tenantId"],
        "displayName": sub["displayName"],
        "state": sub["state"],
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def tenant(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"/tenants/{t['tenantId']}",
        "tenantId": t["tenantId"],
        "countryCode": "US",
        "displayName": t["displayName"],
        "domains": [t["defaultDomain"]],
        "tenantCategory": "Home",
        "defaultDomain": t["defaultDomain"],
        "tenantType": "AAD",
        "tenantBrandingLogoUrl": None,
    }


def locations(subscription_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"/subscriptions/{subscription_id}/locations/{r.name}",
            "name": r.name,
            "type": "Region",
            "displayName": r.display_name,
            "regionalDisplayName": f"({r.geography}) {r.display_name}",
            "metadata": {"regionType": "Physical", "regionCategory": "Recommended", "geographyGroup": r.geography},
        }
        for r in REGIONS.values()
    ]


def provider(subscription_id: str | None, namespace: str, state: str) -> dict[str, Any]:
    ns = catalog.canonical(namespace) or namespace
    body: dict[str, Any] = {
        "namespace": ns,
        "registrationState": state,
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": catalog.resource_types(ns),
    }
    body["id"] = f"/subscriptions/{subscription_id}/providers/{ns}" if subscription_id else f"/providers/{ns}"
    return body


def generic_resource(body: dict[str, Any]) -> dict[str, Any]:
    """The shape /resources lists: the envelope of a resource without its properties."""
    keys = ("id", "name", "type", "kind", "location", "tags", "sku", "identity", "managedBy", "plan")
    return {k: body[k] for k in keys if k in body and body[k] is not None}
