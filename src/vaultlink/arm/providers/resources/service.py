"""Operations of Microsoft.Resources: what each request does to the store."""

from __future__ import annotations

import unicodedata
from typing import Any

from vaultlink.arm import catalog, paging
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.resources import filters, schemas
from vaultlink.arm.resources import GROUP, REGISTRATION, RESOURCE, group_key
from vaultlink.arm.services import Services
from vaultlink.core import errors, regions
from vaultlink.core.clock import clock
from vaultlink.core.ids import ResourceId
from vaultlink.store import Record

_GROUP_ALLOWED = {"_", "(", ")", "-", "."}


class ResourceManager:
    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.directory = services.directory
        self.resources = services.resources
        self.operations = services.operations
        self.authorizer = services.authorizer
        self.hooks = services.hooks

    # ---- subscriptions, tenants, locations ------------------------------------------------------------
    def list_subscriptions(self, call: Call) -> Reply:
        """The subscriptions of the caller's tenant in which the caller holds some role, as ARM lists them."""
        caller = call.caller_required
        held = [a["properties"]["scope"].lower() for a in self.authorizer.assignments()
                if a["properties"]["principalId"].lower() == caller.object_id.lower()]
        subs = [s for s in self.directory.subscriptions(caller.tenant_id)
                if any(scope.startswith(f"/subscriptions/{s['subscriptionId'].lower()}") for scope in held)]
        return Reply(200, {"value": [schemas.subscription(s) for s in subs], "count": {"type": "Total", "value": len(subs)}})

    def get_subscription(self, call: Call) -> Reply:
        sub = self.directory.subscription(call.params["subscriptionId"])
        assert sub is not None  # the pipeline checked it
        return Reply(200, schemas.subscription(sub))

    def list_tenants(self, call: Call) -> Reply:
        tenant = self.directory.tenant(call.caller_required.tenant_id)
        return Reply(200, {"value": [schemas.tenant(tenant)] if tenant else []})

    def list_locations(self, call: Call) -> Reply:
        return Reply(200, {"value": schemas.locations(call.params["subscriptionId"], call.api_version)})

    # ---- resource groups ------------------------------------------------------------------------------
    def put_group(self, call: Call) -> Reply:
        sub, name = call.params["subscriptionId"], call.params["resourceGroupName"]
        validate_group_name(name)
        body = call.json()
        location = body.get("location")
        if not isinstance(location, str) or not location.strip():
            raise errors.LocationRequired()
        region = regions.find(location)
        if region is None:
            raise errors.LocationNotAvailableForResourceGroup(
                location=location, available=",".join(regions.REGIONS)
            )
        tags = _tags(body.get("tags"))
        key = group_key(sub, name)
        with self.store.transaction() as tx:
            current = tx.get(GROUP, key)
            if current is not None and current.body["location"] != region.name:
                raise errors.InvalidResourceGroupLocation(location=location, existing=current.body["location"])
            group = {
                "id": str(ResourceId(sub, current.body["name"] if current else name)),
                "name": current.body["name"] if current else name,
                "type": "Microsoft.Resources/resourceGroups",
                "location": region.name,
                "properties": {"provisioningState": "Succeeded"},
            }
            if tags is not None:
                group["tags"] = tags
            if body.get("managedBy"):
                group["managedBy"] = str(body["managedBy"])
            tx.put(GROUP, key, group, expect=current.version if current else 0)
        return Reply(200 if current else 201, group)

    def get_group(self, call: Call) -> Reply:
        return Reply(200, self.resources.require_group(call.params["subscriptionId"], call.params["resourceGroupName"]))

    def head_group(self, call: Call) -> Reply:
        found = self.resources.group(call.params["subscriptionId"], call.params["resourceGroupName"])
        return Reply(204 if found else 404)

    def patch_group(self, call: Call) -> Reply:
        sub, name = call.params["subscriptionId"], call.params["resourceGroupName"]
        body = call.json()
        with self.store.transaction() as tx:
            rec = tx.get(GROUP, group_key(sub, name))
            if rec is None:
                raise errors.ResourceGroupNotFound(name=name)
            group = dict(rec.body)
            if "tags" in body:
                tags = _tags(body["tags"])
                if tags is None:
                    group.pop("tags", None)
                else:
                    group["tags"] = tags
            if "managedBy" in body:
                group["managedBy"] = body["managedBy"]
            if body.get("location") and regions.normalize(str(body["location"])) != group["location"]:
                raise errors.InvalidResourceGroupLocation(location=body["location"], existing=group["location"])
            tx.put(GROUP, rec.key, group, expect=rec.version)
        return Reply(200, group)

    def delete_group(self, call: Call) -> Reply:
        """Deletes the group and everything in it in one transaction: no orphans, nothing half gone."""
        sub, name = call.params["subscriptionId"], call.params["resourceGroupName"]
        with self.store.transaction() as tx:
            rec = tx.get(GROUP, group_key(sub, name))
            if rec is None:
                raise errors.ResourceGroupNotFound(name=name)
            for child in tx.list(RESOURCE, rec.key + "/"):
                self.hooks.run(tx, ResourceId.parse(child.body["id"]), child.body)
            tx.delete_prefix(RESOURCE, rec.key + "/")
            self.authorizer.remove_under(tx, rec.key)
            tx.delete(GROUP, rec.key, expect=rec.version)
        return self.operations.finish(
            call, Reply(200), namespace="Microsoft.Resources", location=rec.body["location"], result_status=200
        )

    def list_groups(self, call: Call) -> Reply:
        groups = self.resources.groups(call.params["subscriptionId"])
        wanted = filters.parse(call.query.get("$filter", ""))
        groups = [g for g in groups if wanted.matches(g)]
        return Reply(200, {"value": groups[:paging.top_of(call, None)]})

    # ---- providers -----------------------------------------------------------------------------------
    def _state(self, sub: str, namespace: str) -> str:
        rec = self.store.get(REGISTRATION, f"{sub}/{namespace}".lower())
        if rec is not None:
            return str(rec.body["registrationState"])
        return "Registered" if namespace.lower() in catalog.REGISTERED_BY_DEFAULT else "NotRegistered"

    def _namespace(self, call: Call) -> str:
        ns = catalog.canonical(call.params["namespace"])
        if ns is None:
            raise errors.InvalidResourceNamespace(namespace=call.params["namespace"])
        return ns

    def list_providers(self, call: Call) -> Reply:
        sub = call.params["subscriptionId"]
        return Reply(200, {"value": [schemas.provider(sub, ns, self._state(sub, ns)) for ns in catalog.RESOURCE_TYPES]})

    def get_provider(self, call: Call) -> Reply:
        sub, ns = call.params["subscriptionId"], self._namespace(call)
        return Reply(200, schemas.provider(sub, ns, self._state(sub, ns)))

    def get_tenant_provider(self, call: Call) -> Reply:
        return Reply(200, schemas.provider(None, self._namespace(call), "Registered"))

    def register(self, call: Call) -> Reply:
        return self._set_registration(call, "Registered")

    def unregister(self, call: Call) -> Reply:
        return self._set_registration(call, "NotRegistered")

    def _set_registration(self, call: Call, state: str) -> Reply:
        sub, ns = call.params["subscriptionId"], self._namespace(call)
        with self.store.transaction() as tx:
            tx.put(REGISTRATION, f"{sub}/{ns}".lower(), {"namespace": ns, "registrationState": state, "changed": clock.isonow()})
        return Reply(200, schemas.provider(sub, ns, state))

    # ---- /resources --------------------------------------------------------------------------------
    def list_resources(self, call: Call) -> Reply:
        sub = call.params["subscriptionId"]
        group = call.params.get("resourceGroupName")
        if group is not None:
            self.resources.require_group(sub, group)
            scope = ResourceId(sub, group)
        else:
            scope = ResourceId(sub)
        wanted = filters.parse(call.query.get("$filter", ""))
        prefix, untagged = scope.key + "/", wanted.by_tag_value

        def render(rec: Record) -> dict[str, Any] | None:
            rid = ResourceId.try_parse(rec.body["id"])
            if rid is None or len(rid.names) != 1 or not wanted.matches(rec.body, rid):
                return None  # a child resource (a subnet, a record set), or one the filter leaves out
            listed = schemas.generic_resource(rec.body)
            if untagged:
                listed.pop("tags", None)
            return listed

        records = paging.walk_top_level(self.store, prefix, 4 if group is not None else 6,
                                        after=paging.skip_token(call), containing=wanted.narrowing())
        return Reply(200, paging.page(call, records, render, None))

    def operation_status(self, call: Call) -> Reply:
        return self.operations.status(call)

    def operation_result(self, call: Call) -> Reply:
        return self.operations.result(call)


def validate_group_name(name: str) -> None:
    """1-90 letters, digits, '_', '(', ')', '-', '.', not ending in '.' (Unicode letters and digits allowed)."""
    bad = sorted({c for c in name if not (c in _GROUP_ALLOWED or unicodedata.category(c)[0] in "LN")})
    if bad:
        raise errors.InvalidResourceGroup(name=name, chars="".join(bad))
    if not 1 <= len(name) <= 90 or name.endswith("."):
        raise errors.InvalidResourceGroup(
            f"Resource group name '{name}' is invalid. It must be 1 to 90 characters long and must not end in a period."
        )


def _tags(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.InvalidRequestContent(detail="'tags' must be an object of string values")
    if len(value) > 50:
        raise errors.InvalidTag(detail=f"a resource has at most 50 tags; the request has {len(value)}.")
    for k, v in value.items():
        if len(k) > 512 or (v is not None and len(str(v)) > 256):
            raise errors.InvalidTag(detail=f"the tag '{k}' is longer than 512 characters or its value than 256.")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}
