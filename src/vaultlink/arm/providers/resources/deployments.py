"""Microsoft.Resources/deployments at resource-group and subscription scope: create (long-running), validate,
what-if, get, list, operations, export, cancel, delete. The engine (engine.py) runs the template through
vaultlink's own ARM routes as the deploying caller; each deployment, its outputs and its operations are kept
under kind "deployment" by the deployment's id.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import json5

from vaultlink.arm.dispatch import Call, Reply
from vaultlink.arm.providers.resources import functions
from vaultlink.arm.providers.resources.engine import Arm, Engine, latest_version, not_served
from vaultlink.arm.providers.resources.expressions import InvalidTemplate
from vaultlink.arm.providers.resources.template import Template
from vaultlink.arm.resources import GROUP, group_key
from vaultlink.arm.services import Services
from vaultlink.core import errors, regions
from vaultlink.core.clock import clock
from vaultlink.core.ids import ResourceId

DEPLOYMENT = "deployment"
TYPE = "Microsoft.Resources/deployments"
MODES = ("Incremental", "Complete")


class DeploymentNotFound(errors.NotFound):
    """Deployment '{name}' could not be found."""


class DeploymentCannotBeCanceled(errors.Conflict):
    """The deployment '{name}' cannot be canceled: it is '{state}', and only a deployment that is Accepted or
    Running can be. [UNCONFIRMED wording]"""


class Deployments:
    def __init__(self, services: Services) -> None:
        self.store = services.store
        self.directory = services.directory
        self.operations = services.operations
        self.arm: Arm | None = None
        """The in-process ARM client; the runtime binds it once the ARM app exists."""

    # ---- scope --------------------------------------------------------------------------------------------
    @staticmethod
    def _id(call: Call) -> str:
        p = call.params
        group = f"/resourceGroups/{p['resourceGroupName']}" if "resourceGroupName" in p else ""
        return f"/subscriptions/{p['subscriptionId']}{group}/providers/{TYPE}/{p['deploymentName']}"

    def _group(self, call: Call) -> dict[str, Any] | None:
        if "resourceGroupName" not in call.params:
            return None
        rec = self.store.get(GROUP, group_key(call.params["subscriptionId"], call.params["resourceGroupName"]))
        if rec is None:
            raise errors.ResourceGroupNotFound(name=call.params["resourceGroupName"])
        return rec.body

    def _prepare(self, call: Call) -> tuple[dict[str, Any], Template, str, dict[str, Any] | None, str]:
        """The request's properties, the planned template, its mode, the group and the deployment's location."""
        body = _jsonc(call)
        props = body.get("properties")
        if not isinstance(props, dict):
            raise errors.InvalidRequestContent(detail="The deployment needs 'properties' with a template.")
        if "templateLink" in props or "parametersLink" in props:
            raise InvalidTemplate(detail="The deployment names a template or parameters link; vaultlink reaches no URL "
                                  "outside the machine. Send the template itself ('properties.template').")
        mode = next((m for m in MODES if m.lower() == str(props.get("mode", "Incremental")).lower()), None)
        if mode is None:
            raise errors.InvalidParameter(f"The deployment mode '{props.get('mode')}' is not valid: it is "
                                          "'Incremental' or 'Complete'.")
        group = self._group(call)
        if group is None:
            location = body.get("location")
            if not isinstance(location, str) or regions.find(location) is None:
                raise errors.LocationRequired("The location property is required for this definition.")
            location = regions.find(location).name  # type: ignore[union-attr]
            if mode == "Complete":
                raise errors.InvalidParameter("Complete mode is for resource group deployments only.")
        else:
            location = group["location"]
        sub = self.directory.subscription(call.params["subscriptionId"]) or {}
        scope = functions.Scope(
            subscription_id=call.params["subscriptionId"], tenant_id=str(sub.get("tenantId", "")),
            deployment_name=call.params["deploymentName"], group=group, location=location,
            parameter=lambda n: None, variable=lambda n: None, reference=self._no_reference,
        )
        prefix = f"/subscriptions/{call.params['subscriptionId']}" + (f"/resourceGroups/{group['name']}" if group else "")
        template = Template(props.get("template"), props.get("parameters"), scope, prefix)
        return props, template, mode, group, location

    @staticmethod
    def _no_reference(target: str, api_version: str | None, full: bool) -> Any:
        raise InvalidTemplate(detail=f"The template function 'reference' of '{target}' is not expected at this "
                              "location: resource names, types and parameters are known before anything is made.")

    def _arm(self) -> Arm:
        if self.arm is None:
            raise errors.InternalServerError(request_id="deployments are not bound to ARM")
        return self.arm

    # ---- create ---------------------------------------------------------------------------------------------
    def put(self, call: Call) -> Reply:
        did = self._id(call)
        _, template, mode, group, location = self._prepare(call)
        engine = Engine(self._arm(), call.caller_required, did)
        template.scope.reference = engine.reference
        started = clock.utcnow()
        run = engine.run(template, complete=mode == "Complete")
        state = "Failed" if run.error else "Succeeded"
        record = self._record(call, did, template, mode, location, group is None, state, started)
        record["properties"].update(outputs=run.outputs, outputResources=[{"id": i} for i in run.output_resources])
        if run.error:
            record["properties"]["error"] = run.error
        stored = {**record, "operations": run.operations, "template": template.template}
        with self.store.transaction() as tx:
            current = tx.get(DEPLOYMENT, did.lower())
            tx.put(DEPLOYMENT, did.lower(), stored, expect=current.version if current else 0)
        reply = Reply(200 if current else 201, record)
        # Azure runs every deployment as a long-running operation and reports a failure only through it.
        return self.operations.finish(call, reply, namespace="Microsoft.Resources", location=location,
                                      result=record, result_status=200, state="Running", always=True,
                                      error=run.error)

    def _record(self, call: Call, did: str, template: Template, mode: str, location: str, at_subscription: bool,
                state: str, started: Any) -> dict[str, Any]:
        resources = [p for p in template.resources if p.condition]
        namespaces: dict[str, set[str]] = {}
        for p in resources:
            ns, _, rest = p.type.partition("/")
            namespaces.setdefault(ns, set()).add(rest)
        elapsed = (clock.utcnow() - started).total_seconds()
        body: dict[str, Any] = {
            "id": did, "name": call.params["deploymentName"], "type": TYPE,
            "properties": {
                "templateHash": str(int(hashlib.sha256(json.dumps(template.template, sort_keys=True).encode())
                                        .hexdigest()[:15], 16)),
                "parameters": template.parameter_listing(), "mode": mode, "provisioningState": state,
                "timestamp": clock.isonow(), "duration": f"PT{elapsed:.7f}S",
                "correlationId": call.request_id or str(uuid.uuid4()),
                "providers": [{"namespace": ns, "resourceTypes": [{"resourceType": t, "locations": [location]}
                                                                  for t in sorted(ts)]}
                              for ns, ts in sorted(namespaces.items())],
                "dependencies": [{"id": p.id, "resourceType": p.type, "resourceName": p.name,
                                  "dependsOn": [{"id": d, "resourceType": ResourceId.parse(d).type,
                                                 "resourceName": "/".join(ResourceId.parse(d).names)}
                                                for d in sorted(p.depends_on)]}
                                 for p in resources if p.depends_on],
            },
        }
        if at_subscription:
            body["location"] = location
        return body

    # ---- validate and what-if ---------------------------------------------------------------------------------
    def validate(self, call: Call) -> Reply:
        did = self._id(call)
        _, template, mode, group, location = self._prepare(call)
        problem = not_served(call.params["deploymentName"], template.resources, self._arm())
        if problem is not None:
            raise problem
        record = self._record(call, did, template, mode, location, group is None, "Succeeded", clock.utcnow())
        record["properties"]["validatedResources"] = [{"id": p.id} for p in template.resources if p.condition]
        return Reply(200, record)

    def what_if(self, call: Call) -> Reply:
        _, template, mode, group, _ = self._prepare(call)
        arm, caller = self._arm(), call.caller_required
        engine = Engine(arm, caller, self._id(call))
        engine.planned = {p.id.lower(): p for p in template.resources}
        template.scope.reference = engine.reference
        changes: list[dict[str, Any]] = []
        named = set()
        for p in template.resources:
            if not p.condition:
                continue
            named.add(p.id.lower())
            current = arm.dispatch(caller, "GET", p.id, None, p.api_version, call.request_id)
            try:
                after = engine._body(template, p)
            except errors.AzureError:
                after = {k: v for k, v in p.raw.items() if k in ("location", "tags", "properties")}
            after = {"id": p.id, "name": p.name.rsplit("/", 1)[-1], "type": p.type, **after}
            if current.status != 200 or not isinstance(current.body, dict):
                changes.append({"resourceId": p.id, "changeType": "Create", "before": None, "after": after,
                                "delta": None})
                continue
            delta = _delta(current.body, after)
            changes.append({"resourceId": p.id, "changeType": "Modify" if delta else "NoChange",
                            "before": current.body, "after": after if delta else current.body, "delta": delta or None})
        if mode == "Complete" and group is not None:
            listing = arm.dispatch(caller, "GET", f"{group['id']}/resources", None, "2021-04-01", call.request_id)
            for r in (listing.body or {}).get("value", []):
                if r["id"].lower() not in named and not engine._owned(r):
                    changes.append({"resourceId": r["id"], "changeType": "Delete", "before": r, "after": None,
                                    "delta": None})
        return Reply(200, {"status": "Succeeded", "properties": {"changes": changes}})

    # ---- reads ---------------------------------------------------------------------------------------------------
    def _require(self, call: Call) -> dict[str, Any]:
        rec = self.store.get(DEPLOYMENT, self._id(call).lower())
        if rec is None:
            raise DeploymentNotFound(name=call.params["deploymentName"])
        return rec.body

    @staticmethod
    def _public(stored: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in stored.items() if k not in ("operations", "template")}

    def get(self, call: Call) -> Reply:
        return Reply(200, self._public(self._require(call)))

    def head(self, call: Call) -> Reply:
        return Reply(204 if self.store.get(DEPLOYMENT, self._id(call).lower()) else 404)

    def list(self, call: Call) -> Reply:
        p = call.params
        group = f"/resourcegroups/{p['resourceGroupName']}" if "resourceGroupName" in p else ""
        if group:
            self._group(call)
        prefix = f"/subscriptions/{p['subscriptionId']}{group}/providers/{TYPE}/".lower()
        return Reply(200, {"value": [self._public(r.body) for r in self.store.list(DEPLOYMENT, prefix)]})

    def list_operations(self, call: Call) -> Reply:
        return Reply(200, {"value": self._require(call)["operations"]})

    def get_operation(self, call: Call) -> Reply:
        for op in self._require(call)["operations"]:
            if op["operationId"].lower() == call.params["operationId"].lower():
                return Reply(200, op)
        raise errors.NotFound(f"Deployment operation '{call.params['operationId']}' could not be found.")

    def export_template(self, call: Call) -> Reply:
        return Reply(200, {"template": self._require(call)["template"]})

    # ---- cancel and delete -------------------------------------------------------------------------------------
    def cancel(self, call: Call) -> Reply:
        """Only a deployment still running can be canceled; what it made so far stays, as in Azure."""
        did = self._id(call)
        stored = self._require(call)
        if not self.operations.cancel(did):
            raise DeploymentCannotBeCanceled(name=call.params["deploymentName"],
                                             state=stored["properties"]["provisioningState"])
        with self.store.transaction() as tx:
            rec = tx.get(DEPLOYMENT, did.lower())
            if rec is not None:
                body = {**rec.body, "properties": {**rec.body["properties"], "provisioningState": "Canceled"}}
                tx.put(DEPLOYMENT, rec.key, body, expect=rec.version)
        return Reply(204)

    def delete(self, call: Call) -> Reply:
        """Deletes the deployment's record (its resources stay)."""
        did = self._id(call)
        with self.store.transaction() as tx:
            rec = tx.get(DEPLOYMENT, did.lower())
            if rec is None:
                return Reply(204)
            tx.delete(DEPLOYMENT, rec.key, expect=rec.version)
        location = rec.body.get("location") or (self._group(call) or {}).get("location", "global")
        return self.operations.finish(call, Reply(204), namespace="Microsoft.Resources", location=location,
                                      result_status=204)


def _jsonc(call: Call) -> dict[str, Any]:
    """The request body; az sends a deployment's template spliced in as JSONC (an unquoted `template:` key, and
    whatever comments the template file holds), which the service accepts."""
    try:
        return call.json()
    except errors.InvalidRequestContent:
        try:
            value = json5.loads(call.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise errors.InvalidRequestContent(detail=str(e).replace("'", "")) from None
        if not isinstance(value, dict):
            raise
        return value


def _delta(before: dict[str, Any], after: dict[str, Any], path: str = "") -> list[dict[str, Any]]:
    """What a PUT of `after` changes in `before`: the properties the template sets that differ."""
    out: list[dict[str, Any]] = []
    for key, value in after.items():
        if key in ("id", "name", "type", "etag"):
            continue
        old = next((v for k, v in before.items() if k.lower() == key.lower()), None)
        where = f"{path}.{key}" if path else key
        if isinstance(value, dict) and isinstance(old, dict):
            out += _delta(old, value, where)
        elif isinstance(value, list) and isinstance(old, list) and len(value) == len(old) and all(
                isinstance(a, dict) and isinstance(b, dict) for a, b in zip(value, old, strict=True)):
            for i, (a, b) in enumerate(zip(value, old, strict=True)):  # items compared on what the template sets
                out += _delta(b, a, f"{where}[{i}]")
        elif value != old and not (isinstance(value, str) and isinstance(old, str) and value.lower() == old.lower()):
            out.append({"path": where, "propertyChangeType": "Create" if old is None else "Modify",
                        "before": old, "after": value})
    return out


__all__ = ["Deployments", "latest_version"]
