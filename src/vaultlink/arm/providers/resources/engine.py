"""The deployment engine: an ARM client of vaultlink's own router, in-process, acting as the caller who
deployed (so RBAC holds for every resource). It checks that vaultlink serves every resource type before it
starts, then PUTs each resource in dependency order through the same routes clients use; the first failure
fails the deployment with the resource's own error, and what was made before it stays (incremental mode).
Complete mode then deletes the group's top-level resources the template does not name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from vaultlink.arm import versions
from vaultlink.arm.dispatch import Reply
from vaultlink.arm.providers.resources.expressions import InvalidTemplate
from vaultlink.arm.providers.resources.template import Planned, Template
from vaultlink.core import errors
from vaultlink.core.clock import clock
from vaultlink.core.ids import ResourceId
from vaultlink.identity.tokens import Caller

BODY_KEYS = ("location", "tags", "properties", "sku", "kind", "identity", "zones", "plan", "extendedLocation",
             "managedBy")


class Arm(Protocol):
    def routes_to(self, method: str, path: str) -> bool: ...

    def dispatch(self, caller: Caller, method: str, path: str, body: Any, api_version: str,
                 request_id: str) -> Reply: ...


class InvalidTemplateDeployment(errors.BadRequest):
    """The template deployment '{name}' is not valid according to the validation procedure. The tracking id is
    '{tracking}'. See inner errors for details."""

    def __init__(self, *, details: list[dict[str, Any]], **fields: Any) -> None:
        super().__init__(**fields)
        self.details = details

    def envelope(self) -> dict[str, Any]:
        body = super().envelope()
        body["error"]["details"] = self.details
        return body


def unserved(planned: list[Planned], arm: Arm) -> list[Planned]:
    """The resources whose type vaultlink does not serve."""
    return [p for p in planned if p.condition and not arm.routes_to("PUT", p.id)]


def unserved_details(missing: list[Planned]) -> list[dict[str, Any]]:
    types = ", ".join(sorted({f"'{p.type}'" for p in missing}))
    return [{"code": "NoRegisteredProviderFound", "target": p.id,
             "message": f"The resource type '{p.type}' (resource '{p.name}') is not served by vaultlink; the "
                        f"deployment cannot create it. Types not served in this template: {types}."}
            for p in missing]


def not_served(name: str, planned: list[Planned], arm: Arm) -> InvalidTemplateDeployment | None:
    """The validation error for resource types vaultlink does not serve (each named), or None."""
    missing = unserved(planned, arm)
    if not missing:
        return None
    return InvalidTemplateDeployment(name=name, tracking=str(uuid.uuid4()), details=unserved_details(missing))


def latest_version(type_: str) -> str:
    namespace = type_.split("/", 1)[0]
    if type_.lower().startswith("microsoft.network/privatednszones"):
        namespace = "microsoft.network/privatednszones"
    known = versions.supported(namespace)
    return known[-1] if known else "2024-03-01"


@dataclass
class Run:
    """What one run of a template did: each resource's operation, the outputs, the error if it failed."""

    operations: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    output_resources: list[str] = field(default_factory=list)


class Engine:
    def __init__(self, arm: Arm, caller: Caller, deployment_id: str) -> None:
        self.arm = arm
        self.caller = caller
        self.deployment_id = deployment_id
        self.template: Template | None = None
        self.planned: dict[str, Planned] = {}

    def reference(self, target: str, api_version: str | None, full: bool) -> Any:
        """The current state of a resource, by id or by the name of a template resource."""
        planned = self.planned.get(target.lower()) or next(
            (p for p in self.planned.values() if p.name.lower() == target.lower()), None)
        rid = planned.id if planned else target
        if ResourceId.try_parse(rid) is None:
            raise InvalidTemplate(detail=f"The resource '{target}' that reference() names is not defined in the "
                                  "template and is not a resource id.")
        version = api_version or (planned.api_version if planned else latest_version(ResourceId.parse(rid).type))
        reply = self.arm.dispatch(self.caller, "GET", rid, None, version, str(uuid.uuid4()))
        if reply.status != 200 or not isinstance(reply.body, dict):
            raise InvalidTemplate(detail=f"The resource '{rid}' is not defined in the template and could not be read "
                                  f"(HTTP {reply.status}).")
        return reply.body if full else reply.body.get("properties", {})

    def run(self, template: Template, complete: bool) -> Run:
        self.template = template
        self.planned = {p.id.lower(): p for p in template.resources}
        run = Run()
        missing = unserved(template.resources, self.arm)
        if missing:  # nothing is made: the deployment fails naming every type vaultlink does not serve
            run.error = self._failed(unserved_details(missing))
            return run
        for p in template.resources:
            if not p.condition:
                continue
            started = clock.isonow()
            try:
                body = self._body(template, p)
            except errors.AzureError as e:
                reply = Reply(e.status, e.envelope())
            else:
                reply = self.arm.dispatch(self.caller, "PUT", p.id, body, p.api_version, str(uuid.uuid4()))
            run.operations.append(self._operation(p, reply, started))
            if reply.status >= 400:
                inner = (reply.body or {}).get("error", {}) if isinstance(reply.body, dict) else {}
                run.error = self._failed([{k: inner[k] for k in ("code", "message", "details") if k in inner}])
                return run
            if (isinstance(reply.body, dict) and
                    (reply.body.get("properties") or {}).get("provisioningState") == "Failed"):
                nested = (reply.body.get("properties") or {}).get("error") or {}
                run.error = self._failed([nested])
                return run
            run.output_resources.append(p.id)
        if complete:
            self._complete(template, run)
            if run.error:
                return run
        try:
            run.outputs = self._outputs(template)
        except errors.AzureError as e:
            run.error = {"code": e.code, "message": e.message}
        return run

    def _body(self, template: Template, p: Planned) -> dict[str, Any]:
        nested = p.type.lower() == "microsoft.resources/deployments"
        inner = nested and str(((p.raw.get("properties") or {}).get("expressionEvaluationOptions") or {})
                               .get("scope", "outer")).lower() == "inner"

        def skip(path: list[str]) -> bool:
            return inner and path == ["properties", "template"]

        raw = {k: v for k, v in p.raw.items() if k.lower() in {b.lower() for b in BODY_KEYS}}
        body = template.evaluate(raw, p.copy_index, skip)
        if nested:
            body["properties"] = {k: v for k, v in (body.get("properties") or {}).items()
                                  if k != "expressionEvaluationOptions"}
        return dict(body)

    def _operation(self, p: Planned, reply: Reply, started: str) -> dict[str, Any]:
        op_id = uuid.uuid4().hex[:16].upper()
        ok = reply.status < 400
        return {
            "id": f"{self.deployment_id}/operations/{op_id}",
            "operationId": op_id,
            "properties": {
                "provisioningOperation": "Create",
                "provisioningState": "Succeeded" if ok else "Failed",
                "timestamp": clock.isonow(),
                "duration": "PT0S",
                "trackingId": str(uuid.uuid4()),
                "serviceRequestId": str(uuid.uuid4()),
                "statusCode": _status_name(reply.status),
                "statusMessage": reply.body if not ok else {"status": "Succeeded"},
                "targetResource": {"id": p.id, "resourceType": p.type, "resourceName": p.name,
                                   "apiVersion": p.api_version},
                "startedAt": started,
            },
        }

    def _failed(self, details: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "code": "DeploymentFailed",
            "target": self.deployment_id,
            "message": "At least one resource deployment operation failed. Please list deployment operations for "
                       "details. Please see https://aka.ms/arm-deployment-operations for usage details.",
            "details": details,
        }

    def _outputs(self, template: Template) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spec in (template.template.get("outputs") or {}).items():
            if not isinstance(spec, dict):
                continue
            if "condition" in spec and not template.evaluate(spec["condition"], {}):
                continue
            loop = spec.get("copy")
            if isinstance(loop, dict):
                count = template.evaluate(loop.get("count", 0), {})
                value: Any = [template.evaluate(loop.get("input"), {"": i}) for i in range(int(count))]
            else:
                value = template.evaluate(spec.get("value"), {})
            out[name] = {"type": str(spec.get("type", "string")).capitalize().replace("Securestring", "SecureString"),
                         "value": value}
        return out

    def _owned(self, r: dict[str, Any]) -> bool:
        """A network interface a private endpoint made belongs to the endpoint, not to the template."""
        if r["type"].lower() != "microsoft.network/networkinterfaces":
            return False
        reply = self.arm.dispatch(self.caller, "GET", r["id"], None, latest_version(r["type"]), str(uuid.uuid4()))
        return bool(isinstance(reply.body, dict) and (reply.body.get("properties") or {}).get("privateEndpoint"))

    def _complete(self, template: Template, run: Run) -> None:
        """Deletes the group's top-level resources the template does not name (a private endpoint's own network
        interface goes with its endpoint)."""
        group = ResourceId.try_parse(self.deployment_id.split("/providers/Microsoft.Resources/deployments/")[0])
        if group is None or group.resource_group is None:
            return
        listing = self.arm.dispatch(self.caller, "GET", f"{group}/resources", None, "2021-04-01", str(uuid.uuid4()))
        named = {p.id.lower() for p in template.resources if p.condition}
        doomed = [r for r in (listing.body or {}).get("value", []) if r["id"].lower() not in named
                  and not self._owned(r)]
        for _ in range(3):  # what others depend on goes once they are gone
            left = []
            for r in doomed:
                reply = self.arm.dispatch(self.caller, "DELETE", r["id"], None, latest_version(r["type"]),
                                          str(uuid.uuid4()))
                if reply.status >= 400:
                    left.append((r, reply))
            doomed = [r for r, _ in left]
            if not left:
                return
        r, reply = left[0]
        inner = (reply.body or {}).get("error", {}) if isinstance(reply.body, dict) else {}
        run.error = self._failed([{"code": inner.get("code", "Conflict"), "target": r["id"],
                                   "message": inner.get("message", "The resource could not be deleted.")}])


def _status_name(status: int) -> str:
    return {200: "OK", 201: "Created", 202: "Accepted", 204: "NoContent", 400: "BadRequest", 403: "Forbidden",
            404: "NotFound", 409: "Conflict", 412: "PreconditionFailed"}.get(status, str(status))
