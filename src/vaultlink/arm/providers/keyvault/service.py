"""Operations on vaults: create or replace (or recover), update, read, list, delete (soft), access policies,
and the global name check. Each request validates everything, then writes in one transaction."""

from __future__ import annotations

import base64
from typing import Any

from vaultlink.arm import envelope, tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.keyvault import deleted, model, schemas
from vaultlink.arm.providers.keyvault.connections import of_vault, vault_id
from vaultlink.arm.providers.keyvault.errors import (
    InvalidResourceLocation,
    SoftDeletedVaultDoesNotExist,
    VaultAlreadyExists,
    VaultNameNotValid,
)
from vaultlink.arm.resources import GROUP, RESOURCE, group_key
from vaultlink.arm.services import Services
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader, Record, Transaction


class Vaults:
    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.directory = services.directory
        self.operations = services.operations
        self.table = tracked.ResourceTable(services.store)

    def _render(self, reader: Reader, body: dict[str, Any]) -> dict[str, Any]:
        return schemas.vault(body, of_vault(reader, ResourceId.parse(body["id"])))

    def _check_tenant(self, props: dict[str, Any]) -> None:
        if self.directory.tenant(props["tenantId"]) is None:
            raise model.bad(f"The tenant '{props['tenantId']}' in 'properties.tenantId' is not a known Azure Active "
                            "Directory tenant. A vault authenticates its callers against this tenant.")

    # ---- create, replace, recover ----------------------------------------------------------------------------
    def put(self, call: Call) -> Reply:
        rid = vault_id(call)
        model.check_name(rid.name)
        body = call.json()
        location = tracked.location_of(body, model.VAULT_TYPE)
        tags = tracked.tags_of(body.get("tags"))
        props = tracked.properties_of(body)
        recovering = model.create_mode_of(props) == "recover"
        with self.store.transaction() as tx:
            tracked.require_group(tx, rid)
            current = self.table.get(rid, tx)
            envelope.check_conditions(call, None, current is not None, str(rid))
            if current is not None and current.body["location"] != location:
                raise InvalidResourceLocation(name=rid.name, existing=current.body["location"],
                                              group=rid.resource_group, location=location)
            if recovering:
                vault = self._recovered(tx, rid, current, location)
            else:
                vault = self._written(tx, call, rid, current, location, tags, props)
            tracked.register_on_first_use(tx, rid.subscription, model.NAMESPACE)
            tx.put(RESOURCE, rid.key, vault, expect=current.version if current else 0)
            rendered = self._render(tx, vault)
        status = 200 if current else 201
        # Key Vault's one in-progress state (its enum is Succeeded | RegisteringDns), as Azure answers a create.
        return self.operations.finish(call, Reply(status, rendered), namespace=model.NAMESPACE, location=location,
                                      result=rendered, result_status=status, state="RegisteringDns")

    def _written(self, tx: Transaction, call: Call, rid: ResourceId, current: Record | None, location: str,
                 tags: dict[str, str] | None, props: dict[str, Any]) -> dict[str, Any]:
        name = current.body["name"] if current else rid.name
        properties = model.put_properties(props, name=name, api_version=call.api_version,
                                          existing=current.body["properties"] if current else None)
        self._check_tenant(properties)
        if current is None:
            deleted.claim(tx, rid.name, rid, location)
        return tracked.envelope(
            ResourceId.parse(current.body["id"]) if current else rid, properties=properties, location=location,
            tags=tags if tags is not None else {}, etag=False,
            systemData=tracked.system_data(call.caller, current.body.get("systemData") if current else None),
        )

    @staticmethod
    def _recovered(tx: Transaction, rid: ResourceId, current: Record | None, location: str) -> dict[str, Any]:
        """createMode recover: the soft-deleted vault comes back with the properties it had."""
        if current is not None:
            raise SoftDeletedVaultDoesNotExist(name=rid.name, location=location, subscription=rid.subscription)
        old = deleted.recover(tx, rid, location)
        props = dict(old["properties"])
        props.pop("privateEndpointConnections", None)
        return tracked.envelope(rid, properties=props, location=old["location"], tags=old.get("tags") or {},
                                etag=False, systemData=old.get("systemData"))

    # ---- update -----------------------------------------------------------------------------------------------
    def patch(self, call: Call) -> Reply:
        rid = vault_id(call)
        body = call.json()
        props = tracked.properties_of(body)
        tags = tracked.tags_of(body.get("tags")) if "tags" in body else None
        with self.store.transaction() as tx:
            tracked.require_group(tx, rid)
            current = self.table.require(rid, tx)
            vault = dict(current.body)
            properties = model.patch_properties(props, name=vault["name"], existing=vault["properties"])
            if "tenantId" in props:
                self._check_tenant(properties)
            vault["properties"] = properties
            if "tags" in body:
                vault["tags"] = tags if tags is not None else {}
            vault["systemData"] = tracked.system_data(call.caller, vault.get("systemData"))
            tx.put(RESOURCE, current.key, vault, expect=current.version)
            rendered = self._render(tx, vault)
        return Reply(200, rendered)

    # ---- read --------------------------------------------------------------------------------------------------
    def get(self, call: Call) -> Reply:
        rid = vault_id(call)
        rec = self.table.get(rid)
        if rec is None:
            if self.store.get(GROUP, group_key(rid.subscription, rid.resource_group or "")) is None:
                raise errors.ResourceGroupNotFound(name=rid.resource_group or "")
            raise tracked.not_found(rid)
        return Reply(200, self._render(self.store, rec.body))

    def list_by_group(self, call: Call) -> Reply:
        sub, group = call.params["subscriptionId"], call.params["resourceGroupName"]
        if self.store.get(GROUP, group_key(sub, group)) is None:
            raise errors.ResourceGroupNotFound(name=group)
        return self._page(call, ResourceId(sub, group))

    def list_by_subscription(self, call: Call) -> Reply:
        return self._page(call, ResourceId(call.params["subscriptionId"]))

    def _page(self, call: Call, scope: ResourceId) -> Reply:
        """$top pages the list; nextLink carries the rest ($skiptoken names the last vault listed, opaque to
        clients), so a page reads its own vaults and not the ones before it."""
        top = _int_query(call, "$top")
        after = _skiptoken(call, scope)
        records = self.table.of_type(scope, model.VAULT_TYPE, limit=None if top is None else top + 1, after=after)
        shown = records if top is None else records[:top]
        page: dict[str, Any] = {"value": [self._render(self.store, r.body) for r in shown]}
        if top is not None and len(records) > top:
            token = base64.urlsafe_b64encode(shown[-1].key.encode()).decode()
            page["nextLink"] = call.url(call.path, **{"api-version": call.api_version, "$top": str(top), "$skiptoken": token})
        return Reply(200, page)

    # ---- delete ------------------------------------------------------------------------------------------------
    def delete(self, call: Call) -> Reply:
        """Soft delete, synchronously (200), or 204 when there is no such vault."""
        rid = vault_id(call)
        with self.store.transaction() as tx:
            tracked.require_group(tx, rid)
            current = self.table.get(rid, tx)
            if current is None:
                return Reply(204)
            deleted.soft_delete(tx, ResourceId.parse(current.body["id"]), current.body)
            tx.delete_prefix(RESOURCE, current.key + "/")
            tx.delete(RESOURCE, current.key, expect=current.version)
        return Reply(200)

    # ---- access policies ----------------------------------------------------------------------------------------
    def update_access_policy(self, call: Call) -> Reply:
        rid = vault_id(call)
        kind = model.choice(call.params["operationKind"].lower(), "operationKind", ("add", "replace", "remove"))
        props = tracked.properties_of(call.json())
        if props.get("accessPolicies") is None:
            raise errors.MissingRequiredParameter(name="properties.accessPolicies")
        given = model.access_policies_of(props["accessPolicies"])
        with self.store.transaction() as tx:
            tracked.require_group(tx, rid)
            current = self.table.require(rid, tx)
            vault = dict(current.body)
            properties = dict(vault["properties"])
            properties["accessPolicies"] = model.update_access_policies(properties.get("accessPolicies", []), kind, given)
            vault["properties"] = properties
            vault["systemData"] = tracked.system_data(call.caller, vault.get("systemData"))
            tx.put(RESOURCE, current.key, vault, expect=current.version)
        return Reply(200, schemas.access_policy_result(ResourceId.parse(vault["id"]), kind, vault["location"], given))

    # ---- names --------------------------------------------------------------------------------------------------
    def check_name_availability(self, call: Call) -> Reply:
        body = call.json()
        name, type_ = body.get("name"), body.get("type")
        if not isinstance(name, str):
            raise errors.MissingRequiredParameter(name="name")
        if not isinstance(type_, str) or type_.lower() != model.VAULT_TYPE.lower():
            raise model.bad(f"The value '{type_}' of 'type' is invalid. It must be '{model.VAULT_TYPE}'.")
        if not model.is_valid_name(name):
            return Reply(200, schemas.name_unavailable("AccountNameInvalid", VaultNameNotValid(name=name).message))
        if deleted.holder(self.store, name) is not None:
            return Reply(200, schemas.name_unavailable("AlreadyExists", VaultAlreadyExists(name=name).message))
        return Reply(200, schemas.name_available())


def _int_query(call: Call, name: str) -> int | None:
    text = call.query.get(name)
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise errors.InvalidParameter(value=text, name=name) from None
    if value < 1:
        raise errors.InvalidParameter(f"The value '{text}' of parameter '{name}' is invalid. It must be at least 1.")
    return value


def _skiptoken(call: Call, scope: ResourceId) -> str | None:
    """The key of the last vault the previous page listed; a token from another list is refused."""
    token = call.query.get("$skiptoken")
    if token is None:
        return None
    try:
        key = base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        key = ""
    if not key.startswith(scope.key + "/"):
        raise errors.InvalidParameter(value=token, name="$skiptoken")
    return key
