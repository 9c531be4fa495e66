"""Virtual machines: `/virtualMachines/{vm}` and their lists.

Creating a VM, in one transaction: check every subnet its interface configurations name (it exists, in the
VM's subscription and region, and the caller may join it) and every interface it names by id (it exists, in
the VM's region, attached to nothing); then create the interfaces (each IP configuration takes its subnet's
lowest free address, the allocator private endpoints use too), attach the named ones, give the machine its
public address (sidecar.py), and store the VM. An update may change the size, tags, profiles and each
interface's deleteOption, not which interfaces the VM has. Deleting a VM deletes the interfaces whose
deleteOption is Delete (giving their addresses back), detaches the others, and drops the machine record.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from vaultlink.arm import autoregistration, envelope, tracked
from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.compute import errors as compute
from vaultlink.arm.providers.compute import schemas, sidecar
from vaultlink.arm.providers.compute.schemas import VmSpec
from vaultlink.arm.providers.network import allocation, nics
from vaultlink.arm.providers.network import errors as net
from vaultlink.arm.resources import RESOURCE
from vaultlink.arm.services import Services
from vaultlink.core import errors
from vaultlink.core.clock import clock
from vaultlink.core.ids import ResourceId
from vaultlink.identity.tokens import Caller
from vaultlink.store import Record, StoreConflict, Transaction

NAMESPACE = "Microsoft.Compute"
WRITE = "Microsoft.Compute/virtualMachines/write"
JOIN_SUBNET = "Microsoft.Network/virtualNetworks/subnets/join/action"
JOIN_INTERFACE = "Microsoft.Network/networkInterfaces/join/action"
ATTEMPTS = 5

T = TypeVar("T")


class VirtualMachines:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.table = tracked.ResourceTable(services.store)

    def _rid(self, call: Call) -> ResourceId:
        p = call.params
        return ResourceId(p["subscriptionId"], p["resourceGroupName"], NAMESPACE, ("virtualMachines",), (p["vmName"],))

    def _write(self, work: Callable[[Transaction], T]) -> T:
        """One transaction; run again on the new state when another process changed what it read first."""
        for _ in range(ATTEMPTS):
            try:
                with self.store.transaction() as tx:
                    return work(tx)
            except StoreConflict:
                continue
        raise net.AnotherOperationInProgress()

    def _finish(self, call: Call, reply: Reply, location: str) -> Reply:
        return self.services.operations.finish(call, reply, namespace=NAMESPACE, location=location,
                                               result=reply.body, result_status=reply.status,
                                               state="Creating" if reply.status == 201 else "Updating")

    # ---- reads ----------------------------------------------------------------------------------------
    def get(self, call: Call) -> Reply:
        body = self.table.require(self._rid(call)).body
        if (call.query.get("$expand") or "").lower() == "instanceview":
            props = {**body["properties"], "instanceView": schemas.instance_view(body, clock.isonow())}
            body = {**body, "properties": props}
        return Reply(200, body)

    def list_resources(self, call: Call) -> Reply:
        p = call.params
        if "resourceGroupName" in p:
            self.services.resources.require_group(p["subscriptionId"], p["resourceGroupName"])
            scope = ResourceId(p["subscriptionId"], p["resourceGroupName"])
        else:
            scope = ResourceId(p["subscriptionId"])
        return Reply(200, {"value": [r.body for r in self.table.of_type(scope, schemas.VIRTUAL_MACHINES)]})

    # ---- create or update -----------------------------------------------------------------------------
    def put(self, call: Call) -> Reply:
        rid = self._rid(call)
        spec = schemas.parse(rid, call.json())
        caller = call.caller_required

        def work(tx: Transaction) -> Reply:
            tracked.require_group(tx, rid)
            current = self.table.get(rid, tx)
            envelope.check_conditions(call, current.body.get("etag") if current else None, current is not None, str(rid))
            if current is not None:
                return Reply(200, self._update(tx, current, spec))
            return Reply(201, self._create(tx, spec, caller))

        return self._finish(call, self._write(work), spec.location)

    def _create(self, tx: Transaction, spec: VmSpec, caller: Caller) -> dict[str, Any]:
        rid = spec.rid
        if not spec.network_given:
            raise compute.RequiredParameterMissing(name="networkProfile", target="networkProfile")
        networks: set[str] = set()
        subnets: dict[ResourceId, Record] = {}
        for c in spec.configurations:
            if tx.get(RESOURCE, c.nic.key) is not None:
                raise compute.NetworkInterfaceNameInUse(nic=str(c.nic), vm=str(rid), config=c.name)
            for ip in c.ip_configurations:
                subnet = self._subnet(tx, ip.subnet, c.nic, spec.location)
                self._require_link(caller, rid, JOIN_SUBNET, ResourceId.parse(subnet.body["id"]))
                subnets[ip.subnet] = subnet
                networks.add(ip.subnet.key.rsplit("/subnets/", 1)[0])
        created = {c.nic for c in spec.configurations}
        given = [self._free_interface(tx, r.nic, spec) for r in spec.references if r.nic not in created]
        for rec in given:
            self._require_link(caller, rid, JOIN_INTERFACE, ResourceId.parse(rec.body["id"]))
        for rec in given:
            networks.update(s.key.rsplit("/subnets/", 1)[0] for s, _ in nics.addresses_of(rec.body))
        if len(networks) > 1:
            raise compute.InvalidNetworkProfile(
                message=f"The network interfaces of virtual machine {rid.name} must all be in one virtual network.",
                target="networkProfile")

        interfaces: list[tuple[ResourceId, bool, str]] = []
        for c in spec.configurations:
            addresses = []
            for ip in c.ip_configurations:
                subnet_id = ResourceId.parse(subnets[ip.subnet].body["id"])
                holder = allocation.Holder(str(c.nic.child("ipConfigurations", ip.name)), str(c.nic))
                address = allocation.allocate(tx, subnet_id, allocation.prefixes_of(subnets[ip.subnet].body), holder)
                addresses.append(nics.MachineAddress(ip.name, address, str(subnet_id), ip.primary))
            primary = schemas.primary_of(spec, c.nic)
            body = nics.machine_nic(c.nic, machine=rid, location=spec.location, addresses=addresses,
                                    accelerated=c.accelerated)
            tx.put(RESOURCE, c.nic.key, nics.attach(body, rid, primary) if not primary else body, expect=0)
            interfaces.append((c.nic, primary, schemas.delete_option_of(spec, c.nic, None)))
        for rec in given:
            nic = ResourceId.parse(rec.body["id"])
            primary = schemas.primary_of(spec, nic)
            tx.put(RESOURCE, rec.key, nics.attach(rec.body, rid, primary), expect=rec.version)
            interfaces.append((nic, primary, schemas.delete_option_of(spec, nic, None)))

        vm_id = str(uuid.uuid4())
        sidecar.create(tx, rid, vm_id)
        network = schemas.network_profile(spec.network_api_version, [c.wire for c in spec.configurations], interfaces)
        body = schemas.virtual_machine(spec, vm_id=vm_id, created=clock.isonow(), network=network,
                                       vm_size=spec.vm_size or schemas.DEFAULT_SIZE, storage=spec.storage_profile,
                                       os_profile=spec.os_profile)
        tx.put(RESOURCE, rid.key, body, expect=0)
        registered = primary_address(tx, body)
        if registered is not None:
            autoregistration.machine_created(tx, rid, *registered)
        return body

    def _subnet(self, tx: Transaction, subnet_id: ResourceId, nic: ResourceId, location: str) -> Record:
        """The subnet an interface goes in: it exists, in the VM's subscription, in a network in the VM's region."""
        subnet = tx.get(RESOURCE, subnet_id.key)
        vnet = tx.get(RESOURCE, subnet_id.parent.key) if subnet is not None and subnet_id.parent else None
        if subnet is None or vnet is None:
            raise net.InvalidResourceReference(referenced=str(subnet_id), resource=str(nic))
        if vnet.body["location"] != location or subnet_id.subscription.lower() != nic.subscription.lower():
            raise net.InvalidResourceReference(referenced=vnet.body["id"], resource=str(nic))
        return subnet

    def _free_interface(self, tx: Transaction, nic: ResourceId, spec: VmSpec) -> Record:
        """An interface named by id: it exists, in the VM's region, and nothing else uses it."""
        rec = tx.get(RESOURCE, nic.key)
        if rec is None or rec.body.get("location") != spec.location:
            raise net.InvalidResourceReference(referenced=str(nic), resource=str(spec.rid))
        holder = nics.attached_to(rec.body)
        if holder is not None:
            raise net.NicInUse(f"Network Interface {rec.body['id']} is used by existing resource {holder}. In order to "
                               "use this network interface for another resource, it must be dissociated from it.")
        return rec

    def _require_link(self, caller: Caller, vm: ResourceId, action: str, linked: ResourceId) -> None:
        """Putting a VM in a subnet (or on an interface) needs the join action there too."""
        if not self.services.authorizer.decide(caller.object_id, action, str(linked)).allowed:
            raise net.LinkedAuthorizationFailed(
                client=caller.name or caller.app_id, object_id=caller.object_id, action=WRITE, scope=str(vm),
                linked_action=action, linked_scope=str(linked),
            )

    def _update(self, tx: Transaction, current: Record, spec: VmSpec) -> dict[str, Any]:
        body = current.body
        rid = ResourceId.parse(body["id"])
        if body["location"] != spec.location:
            raise net.InvalidResourceLocation(name=rid.name, current=body["location"], group=rid.resource_group,
                                              requested=spec.location)
        props = dict(body["properties"])
        interfaces = schemas.interfaces_of(body)
        network = dict(props["networkProfile"])
        if spec.network_given:
            if {n.key for n in spec.nic_ids()} != {n.key for n, _, _ in interfaces}:
                raise errors.NotSupported(what="adding or removing network interfaces of an existing virtual machine")
            interfaces = [(n, p, schemas.delete_option_of(spec, n, option)) for n, p, option in interfaces]
            configs = [c.wire for c in spec.configurations] or network.get("networkInterfaceConfigurations")
            network = schemas.network_profile(spec.network_api_version or network.get("networkApiVersion"),
                                              configs, interfaces)
        if spec.os_profile is not None:
            before = props.get("osProfile") or {}
            for field in ("computerName", "adminUsername"):
                if field in before and spec.os_profile.get(field, before[field]) != before[field]:
                    raise compute.PropertyChangeNotAllowed(name=field, target=field)
            props["osProfile"] = spec.os_profile
        if spec.storage_profile is not None:
            props["storageProfile"] = spec.storage_profile
        if spec.vm_size is not None:
            props["hardwareProfile"] = {"vmSize": spec.vm_size}
        props["networkProfile"] = network
        updated = {k: v for k, v in body.items() if k not in ("tags", "properties")}
        updated["etag"] = envelope.new_etag()
        tags = spec.tags if spec.tags is not None else body.get("tags")
        if tags is not None:
            updated["tags"] = tags
        updated["properties"] = props
        tx.put(RESOURCE, current.key, updated, expect=current.version)
        return updated

    def patch(self, call: Call) -> Reply:
        """VirtualMachines_Update: tags and the size."""
        rid = self._rid(call)
        request = call.json()
        tags = tracked.tags_of(request.get("tags"))
        size = schemas.vm_size_of(tracked.properties_of(request))

        def work(tx: Transaction) -> dict[str, Any]:
            current = self.table.require(rid, tx)
            envelope.check_conditions(call, current.body.get("etag"), True, str(rid))
            body = {**current.body, "etag": envelope.new_etag()}
            if tags is not None:
                body["tags"] = tags
            if size is not None:
                body["properties"] = {**body["properties"], "hardwareProfile": {"vmSize": size}}
            tx.put(RESOURCE, current.key, body, expect=current.version)
            return body

        body = self._write(work)
        reply = self._finish(call, Reply(200, body), body["location"])
        # The compute provider answers an update 200 (with Azure-AsyncOperation when it runs on), never 202.
        return Reply(200, body, reply.headers) if reply.status == 202 else reply

    # ---- delete ---------------------------------------------------------------------------------------
    def delete(self, call: Call) -> Reply:
        rid = self._rid(call)  # forceDeletion is accepted: a delete here is always immediate

        def work(tx: Transaction) -> Record | None:
            current = self.table.get(rid, tx)
            if current is not None:
                envelope.check_conditions(call, current.body.get("etag"), True, str(rid))
                tear_down(tx, current.body)
                tx.delete(RESOURCE, current.key, expect=current.version)
            return current

        gone = self._write(work)
        if gone is None:
            return Reply(204)
        return self.services.operations.finish(call, Reply(200), namespace=NAMESPACE, location=gone.body["location"],
                                               result_status=200)


def tear_down(tx: Transaction, body: dict[str, Any]) -> None:
    """What goes with a VM: its interfaces whose deleteOption is Delete (and their addresses); the others stay,
    detached; its machine record (public address and credential) goes too."""
    rid = ResourceId.parse(body["id"])
    primary = primary_address(tx, body)
    if primary is not None:
        autoregistration.machine_deleted(tx, rid, primary[0])
    for nic, _, option in schemas.interfaces_of(body):
        rec = tx.get(RESOURCE, nic.key)
        if rec is None:
            continue
        if option == schemas.DELETE:
            for subnet, address in nics.addresses_of(rec.body):
                allocation.release(tx, subnet, address)
            tx.delete(RESOURCE, rec.key, expect=rec.version)
        else:
            tx.put(RESOURCE, rec.key, nics.attach(rec.body, None), expect=rec.version)
    sidecar.remove(tx, rid)


def primary_address(tx: Transaction, body: dict[str, Any]) -> tuple[ResourceId, str] | None:
    """The virtual network and address of the VM's primary interface (the one a single interface is), which is
    what auto-registration records."""
    interfaces = sorted(schemas.interfaces_of(body), key=lambda i: not i[1])
    rec = tx.get(RESOURCE, interfaces[0][0].key) if interfaces else None
    for subnet, address in nics.addresses_of(rec.body) if rec is not None else []:
        if subnet.parent is not None:
            return subnet.parent, address
    return None


def group_deleted(tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
    """The VM goes with its resource group: tear it down from its current state."""
    rec = tx.get(RESOURCE, rid.key)
    if rec is not None:
        tear_down(tx, rec.body)


def interface_group_deleted(tx: Transaction, rid: ResourceId, body: dict[str, Any]) -> None:
    """A VM's interface (attached or left detached) goes with its resource group and gives its addresses back,
    wherever its subnet is; one attached to a VM in another group keeps the group from being deleted. A private
    endpoint's interface is its endpoint's to tear down."""
    rec = tx.get(RESOURCE, rid.key)
    if rec is None or (rec.body["properties"].get("privateEndpoint") or {}).get("id"):
        return
    machine = ResourceId.try_parse((rec.body["properties"].get("virtualMachine") or {}).get("id") or "")
    if machine is not None and machine.group_id != rid.group_id:
        raise net.NicInUse(nic=rec.body["id"], holder=str(machine))
    for subnet, address in nics.addresses_of(rec.body):
        allocation.release(tx, subnet, address)
