"""A vault's private link side: its private link resource (the `vault` group) and its private endpoint
connections, which the owner approves, rejects or removes. The connection records and their state machine
live in arm/privatelink.py, shared with Microsoft.Network's private endpoints; this module is the vault's
routes onto them."""

from __future__ import annotations

from typing import Any

from vaultlink.arm import catalog, envelope, privatelink, tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.keyvault import model, schemas
from vaultlink.arm.providers.keyvault.errors import ProviderNotRegisteredForEndpoint
from vaultlink.arm.resources import REGISTRATION, RESOURCE
from vaultlink.arm.services import Services
from vaultlink.core import errors
from vaultlink.core.ids import ResourceId
from vaultlink.store import Reader


def vault_id(call: Call) -> ResourceId:
    p = call.params
    return ResourceId(p["subscriptionId"], p["resourceGroupName"], model.NAMESPACE, ("vaults",), (p["vaultName"],))


def of_vault(reader: Reader, vault: ResourceId) -> list[dict[str, Any]]:
    """The vault's private endpoint connection records, in key order."""
    return [r.body for r in reader.list(RESOURCE, vault.key + "/privateendpointconnections/")]


class PrivateEndpointConnections:
    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.operations = services.operations

    @staticmethod
    def _vault(reader: Reader, call: Call) -> tuple[ResourceId, dict[str, Any]]:
        """The vault's id as it was created, and its body; ResourceNotFound when there is no such vault."""
        rid = vault_id(call)
        rec = reader.get(RESOURCE, rid.key)
        if rec is None:
            raise tracked.not_found(rid)
        return ResourceId.parse(rec.body["id"]), rec.body

    def private_link_resources(self, call: Call) -> Reply:
        return Reply(200, schemas.private_link_resources(self._vault(self.store, call)[0]))

    def list(self, call: Call) -> Reply:
        return Reply(200, {"value": of_vault(self.store, self._vault(self.store, call)[0])})

    def get(self, call: Call) -> Reply:
        vault, _ = self._vault(self.store, call)
        rec = self.store.get(RESOURCE, privatelink.connection_id(vault, call.params["connectionName"]).key)
        return Reply(200, rec.body) if rec is not None else Reply(204)

    def put(self, call: Call) -> Reply:
        """Approve or reject. The body's privateEndpoint is read-only: an empty one (as az sends) changes nothing."""
        body = call.json()
        props = tracked.properties_of(body)
        wanted = props.get("privateLinkServiceConnectionState")
        if not isinstance(wanted, dict) or not isinstance(wanted.get("status"), str):
            raise errors.MissingRequiredParameter(name="properties.privateLinkServiceConnectionState.status")
        status = next((s for s in privatelink.STATES if s.lower() == wanted["status"].lower()), wanted["status"])
        description = wanted.get("description")
        if description is not None and not isinstance(description, str):
            raise model.bad("Bad JSON content found in the request. "
                            "'properties.privateLinkServiceConnectionState.description' must be a string.")
        with self.store.transaction() as tx:
            vault, vault_body = self._vault(tx, call)
            cid = privatelink.connection_id(vault, call.params["connectionName"])
            current = tx.get(RESOURCE, cid.key)
            what = f"{vault}/privateEndpointConnections/{call.params['connectionName']}"
            envelope.check_conditions(call, current.body.get("etag") if current else None, current is not None, what)
            etag = body.get("etag")
            if current is not None and isinstance(etag, str) and etag.strip('" ') and current.body.get("etag") \
                    and etag.strip('" ') != str(current.body["etag"]).strip('" '):
                raise errors.PreconditionFailed(
                    f"The etag '{etag}' in the request does not match the current etag '{current.body['etag']}' of '{what}'."
                )
            if current is not None and status == privatelink.APPROVED:
                self._check_endpoint_registered(tx, current.body)
            updated = privatelink.set_state(tx, cid, status, description)
            location = vault_body["location"]
        # Not long-running in the REST spec (a 200 with optional Azure-AsyncOperation), but Azure answers with
        # the header and GETs report Updating before Succeeded, which az's `approve` and `--no-wait` poll for.
        reply = self.operations.finish(call, Reply(200, updated), namespace=model.NAMESPACE, location=location,
                                       result=updated, result_status=200)
        reply.status = 200
        return reply

    @staticmethod
    def _check_endpoint_registered(tx: Reader, connection: dict[str, Any]) -> None:
        """Approval needs Microsoft.KeyVault registered on the private endpoint's subscription too."""
        endpoint = connection["properties"]["privateEndpoint"]["id"]
        sub = ResourceId.parse(endpoint).subscription
        rec = tx.get(REGISTRATION, f"{sub}/{model.NAMESPACE}".lower())
        registered = rec.body["registrationState"] == "Registered" if rec is not None \
            else model.NAMESPACE.lower() in catalog.REGISTERED_BY_DEFAULT
        if not registered:
            raise ProviderNotRegisteredForEndpoint(endpoint=endpoint)

    def delete(self, call: Call) -> Reply:
        """The owner removes a connection: the endpoint is left Disconnected. 200 with the disconnected
        connection, or 204 when there is none."""
        with self.store.transaction() as tx:
            vault, vault_body = self._vault(tx, call)
            removed = privatelink.remove_by_owner(tx, privatelink.connection_id(vault, call.params["connectionName"]))
        if removed is None:
            return Reply(204)
        body = schemas.disconnected(removed)
        return self.operations.finish(call, Reply(200, body), namespace=model.NAMESPACE,
                                      location=vault_body["location"], result=body, result_status=200)
