"""Wire shapes of Microsoft.Resources."""

from __future__ import annotations

from typing import Any

from vaultlink.arm import catalog
from vaultlink.core.regions import LOCATIONS, Region


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


def locations(subscription_id: str, api_version: str) -> list[dict[str, Any]]:
    """Every location ARM lists, physical and logical, in ARM's order; `geography` from api-version 2022-12-01."""
    return [location(subscription_id, r, with_geography=api_version >= "2022-12-01") for r in LOCATIONS.values()]


def location(subscription_id: str, r: Region, *, with_geography: bool) -> dict[str, Any]:
    base = f"/subscriptions/{subscription_id}/locations"
    meta: dict[str, Any] = {"regionType": r.region_type, "regionCategory": r.category}
    if with_geography and r.geography:
        meta["geography"] = r.geography
    known = {"geographyGroup": r.geography_group, "longitude": r.longitude, "latitude": r.latitude,
             "physicalLocation": r.physical_location}
    meta.update({k: v for k, v in known.items() if v is not None})
    if r.physical:
        meta["pairedRegion"] = [{"name": p, "id": f"{base}/{p}"} for p in r.paired]
    return {
        "id": f"{base}/{r.name}",
        "name": r.name,
        "type": "Region",
        "displayName": r.display_name,
        "regionalDisplayName": r.regional_display_name,
        "metadata": meta,
    }


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
