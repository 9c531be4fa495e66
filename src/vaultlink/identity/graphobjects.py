"""Microsoft Graph v1.0 directory objects: applications (with addPassword/removePassword), service principals
and users, over the directory that signs tokens, so what Graph creates signs in at once.

Each operation returns (status, body) or raises GraphError; graph.py turns them into responses. Objects are
those of the caller's tenant only.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from vaultlink.identity import graphquery
from vaultlink.identity.applications import Applications, add_password, password_credentials, remove_password
from vaultlink.identity.directory import APP, APPLICATION, USER, Directory, hash_secret
from vaultlink.identity.tokens import Caller
from vaultlink.store import Record

GRAPH = "https://graph.microsoft.com/v1.0/$metadata#"
Answer = tuple[int, Any]

APPLICATION_FIELDS = {
    "displayName", "description", "identifierUris", "signInAudience", "serviceManagementReference", "web",
    "spa", "publicClient", "api", "appRoles", "requiredResourceAccess", "tags", "isFallbackPublicClient",
    "keyCredentials", "optionalClaims", "notes", "info", "groupMembershipClaims",
}
SERVICE_PRINCIPAL_FIELDS = {"appId", "accountEnabled", "tags", "notes", "description", "appRoleAssignmentRequired"}
USER_FIELDS = {"accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile", "givenName",
               "surname", "jobTitle", "immutableId", "usageLocation", "passwordPolicies", "department"}


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(what: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound",
                      f"Resource '{what}' does not exist or one of its queried reference-property objects are not present.")


def bad(message: str) -> GraphError:
    return GraphError(400, "Request_BadRequest", message)


def _check_fields(body: dict[str, Any], allowed: set[str], resource: str) -> None:
    for key in body:
        if key not in allowed and not key.startswith("@odata"):
            raise bad(f"Property '{key}' does not exist as a declared property or extension property of resource "
                      f"'{resource}'.")


def _filtered(items: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    if not query:
        return items
    try:
        keep = graphquery.parse(query)
    except graphquery.FilterError as e:
        raise GraphError(400, "BadRequest", f"Invalid filter clause: {e}") from None
    return [i for i in items if keep(i)]


def listing(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@odata.context": GRAPH + kind, "value": items}


def entity(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"@odata.context": f"{GRAPH}{kind}/$entity", **item}


class DirectoryObjects:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.store = directory.store
        self.applications = Applications(directory.store)

    # ---- applications ---------------------------------------------------------------------------------------
    def _application(self, body: dict[str, Any]) -> dict[str, Any]:
        tenant = self.directory.tenant(body["tenantId"]) or {}
        shown = {k: body.get(k) for k in APPLICATION_FIELDS}
        shown.update({
            "id": body["id"], "appId": body["appId"], "createdDateTime": body["createdDateTime"],
            "deletedDateTime": None, "publisherDomain": tenant.get("defaultDomain"),
            "signInAudience": body.get("signInAudience") or "AzureADMyOrg",
            "identifierUris": body.get("identifierUris") or [], "keyCredentials": body.get("keyCredentials") or [],
            "appRoles": body.get("appRoles") or [], "requiredResourceAccess": body.get("requiredResourceAccess") or [],
            "tags": body.get("tags") or [], "passwordCredentials": password_credentials(body),
            "web": body.get("web") or {"homePageUrl": None, "redirectUris": [], "implicitGrantSettings": {
                "enableAccessTokenIssuance": False, "enableIdTokenIssuance": False}},
            "publicClient": body.get("publicClient") or {"redirectUris": []},
        })
        return shown

    def list_applications(self, caller: Caller, query: str) -> Answer:
        items = [self._application(r.body) for r in self.applications.all(caller.tenant_id)]
        return 200, listing("applications", _filtered(items, query))

    def create_application(self, caller: Caller, body: dict[str, Any]) -> Answer:
        _check_fields(body, APPLICATION_FIELDS, "Application")
        if not isinstance(body.get("displayName"), str) or not body["displayName"].strip():
            raise bad("Invalid value specified for property 'displayName' of resource 'Application'.")
        created = self.applications.create(caller.tenant_id, {k: v for k, v in body.items() if k in APPLICATION_FIELDS})
        return 201, entity("applications", self._application(created))

    def _require_application(self, caller: Caller, object_id: str) -> Record:
        rec = self.applications.by_object_id(self.store, caller.tenant_id, object_id)
        if rec is None:
            raise not_found(object_id)
        return rec

    def get_application(self, caller: Caller, object_id: str) -> Answer:
        return 200, entity("applications", self._application(self._require_application(caller, object_id).body))

    def update_application(self, caller: Caller, object_id: str, body: dict[str, Any]) -> Answer:
        _check_fields(body, APPLICATION_FIELDS, "Application")
        with self.store.transaction() as tx:
            rec = self.applications.by_object_id(tx, caller.tenant_id, object_id)
            if rec is None:
                raise not_found(object_id)
            tx.put(APPLICATION, rec.key, {**rec.body, **body}, expect=rec.version)
        return 204, None

    def delete_application(self, caller: Caller, object_id: str) -> Answer:
        """Deleting a registration deletes its service principal too: nothing signs in as it any more."""
        with self.store.transaction() as tx:
            rec = self.applications.by_object_id(tx, caller.tenant_id, object_id)
            if rec is None:
                raise not_found(object_id)
            tx.delete(APPLICATION, rec.key, expect=rec.version)
            tx.delete(APP, rec.key)
        return 204, None

    def application_password(self, caller: Caller, object_id: str, action: str, body: dict[str, Any]) -> Answer:
        return self._password(APPLICATION, lambda tx: self.applications.by_object_id(tx, caller.tenant_id, object_id),
                              object_id, action, body)

    # ---- service principals ---------------------------------------------------------------------------------
    def _service_principal(self, sp: dict[str, Any]) -> dict[str, Any]:
        registration = self.store.get(APPLICATION, sp["appId"].lower())
        uris = (registration.body.get("identifierUris") or []) if registration else []
        return {
            "id": sp["objectId"], "appId": sp["appId"], "displayName": sp["displayName"],
            "appDisplayName": sp["displayName"], "servicePrincipalNames": [sp["appId"], *uris],
            "servicePrincipalType": sp["servicePrincipalType"], "appOwnerOrganizationId": sp["tenantId"],
            "accountEnabled": sp.get("accountEnabled", True), "alternativeNames": [], "tags": sp.get("tags") or [],
            "keyCredentials": [], "passwordCredentials": password_credentials(sp), "deletedDateTime": None,
        }

    def list_service_principals(self, caller: Caller, query: str) -> Answer:
        items = [self._service_principal(a) for a in self.directory.apps(caller.tenant_id)]
        return 200, listing("servicePrincipals", _filtered(items, query))

    def _sp_record(self, reader: Any, caller: Caller, object_id: str) -> Record | None:
        for rec in reader.list(APP):
            if rec.body["objectId"].lower() == object_id.lower() and rec.body["tenantId"] == caller.tenant_id:
                return rec  # type: ignore[no-any-return]
        return None

    def get_service_principal(self, caller: Caller, object_id: str) -> Answer:
        rec = self._sp_record(self.store, caller, object_id)
        if rec is None:
            raise not_found(object_id)
        return 200, entity("servicePrincipals", self._service_principal(rec.body))

    def create_service_principal(self, caller: Caller, body: dict[str, Any]) -> Answer:
        _check_fields(body, SERVICE_PRINCIPAL_FIELDS, "ServicePrincipal")
        app_id = body.get("appId")
        if not isinstance(app_id, str) or not app_id:
            raise bad("Invalid value specified for property 'appId' of resource 'ServicePrincipal'.")
        with self.store.transaction() as tx:
            registration = tx.get(APPLICATION, app_id.lower())
            if registration is None or registration.body["tenantId"] != caller.tenant_id:
                raise bad(f"The appId '{app_id}' of the service principal does not reference a valid application "
                          "object.")
            if tx.get(APP, app_id.lower()) is not None:
                # Graph's words for a second service principal of one application. [UNCONFIRMED]
                raise bad("The service principal cannot be created, updated, or restored because the service "
                          f"principal name {app_id} is already in use.")
            sp = self.applications.create_service_principal(tx, registration.body)
        return 201, entity("servicePrincipals", self._service_principal(sp))

    def update_service_principal(self, caller: Caller, object_id: str, body: dict[str, Any]) -> Answer:
        _check_fields(body, SERVICE_PRINCIPAL_FIELDS - {"appId"}, "ServicePrincipal")
        with self.store.transaction() as tx:
            rec = self._sp_record(tx, caller, object_id)
            if rec is None:
                raise not_found(object_id)
            tx.put(APP, rec.key, {**rec.body, **body}, expect=rec.version)
        return 204, None

    def delete_service_principal(self, caller: Caller, object_id: str) -> Answer:
        with self.store.transaction() as tx:
            rec = self._sp_record(tx, caller, object_id)
            if rec is None:
                raise not_found(object_id)
            tx.delete(APP, rec.key, expect=rec.version)
        return 204, None

    def service_principal_password(self, caller: Caller, object_id: str, action: str, body: dict[str, Any]) -> Answer:
        return self._password(APP, lambda tx: self._sp_record(tx, caller, object_id), object_id, action, body)

    def _password(self, kind: str, find: Any, object_id: str, action: str, body: dict[str, Any]) -> Answer:
        with self.store.transaction() as tx:
            rec = find(tx)
            if rec is None:
                raise not_found(object_id)
            if action == "addPassword":
                given = body.get("passwordCredential") or {}
                if not isinstance(given, dict):
                    raise bad("Invalid value specified for property 'passwordCredential'.")
                return 200, {"@odata.context": GRAPH + "microsoft.graph.passwordCredential",
                             **add_password(tx, kind, rec, given)}
            key_id = body.get("keyId")
            if not isinstance(key_id, str) or not remove_password(tx, kind, rec, key_id):
                raise bad(f"No password credential found with keyId '{key_id}'.")
        return 204, None

    # ---- users ------------------------------------------------------------------------------------------------
    @staticmethod
    def user_body(user: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": user["objectId"], "displayName": user["displayName"], "userPrincipalName": user["userPrincipalName"],
            "mail": None, "mailNickname": user.get("mailNickname") or user["userPrincipalName"].split("@")[0],
            "accountEnabled": user.get("accountEnabled", True), "givenName": user.get("givenName"),
            "surname": user.get("surname"), "jobTitle": user.get("jobTitle"), "businessPhones": [],
            "mobilePhone": None, "officeLocation": None, "preferredLanguage": None,
        }

    def _user_record(self, reader: Any, caller: Caller, id_or_upn: str) -> Record | None:
        rec: Record | None = reader.get(USER, id_or_upn.lower())
        if rec is None:
            rec = next((r for r in reader.list(USER) if r.body["objectId"].lower() == id_or_upn.lower()), None)
        return rec if rec is not None and rec.body["tenantId"] == caller.tenant_id else None

    def list_users(self, caller: Caller, query: str) -> Answer:
        items = [self.user_body(u) for u in self.directory.users(caller.tenant_id)]
        return 200, listing("users", _filtered(items, query))

    def get_user(self, caller: Caller, id_or_upn: str) -> Answer:
        rec = self._user_record(self.store, caller, id_or_upn)
        if rec is None:
            raise not_found(id_or_upn)
        return 200, entity("users", self.user_body(rec.body))

    def create_user(self, caller: Caller, body: dict[str, Any]) -> Answer:
        _check_fields(body, USER_FIELDS, "User")
        for field in ("accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile"):
            if body.get(field) in (None, ""):
                raise bad(f"Invalid value specified for property '{field}' of resource 'User'.")
        upn, profile = str(body["userPrincipalName"]), body["passwordProfile"]
        password = profile.get("password") if isinstance(profile, dict) else None
        if not isinstance(password, str) or not complex_enough(password):
            raise bad("The specified password does not comply with password complexity requirements. Please provide "
                      "a different password.")
        tenant = self.directory.tenant(caller.tenant_id) or {}
        if "@" not in upn or upn.rsplit("@", 1)[1].lower() != str(tenant.get("defaultDomain", "")).lower():
            raise bad("The domain portion of the userPrincipalName property is invalid. You must use one of the "
                      "verified domain names in your organization.")
        user: dict[str, Any] = {
            "userPrincipalName": upn, "objectId": str(uuid.uuid4()), "tenantId": caller.tenant_id,
            "displayName": str(body["displayName"]), "passwordHash": hash_secret(password),
            **{k: body[k] for k in ("mailNickname", "accountEnabled", "givenName", "surname", "jobTitle") if k in body},
        }
        with self.store.transaction() as tx:
            if tx.get(USER, upn.lower()) is not None:
                raise bad("Another object with the same value for property userPrincipalName already exists.")
            tx.put(USER, upn.lower(), user, expect=0)
        return 201, entity("users", self.user_body(user))

    def update_user(self, caller: Caller, id_or_upn: str, body: dict[str, Any]) -> Answer:
        _check_fields(body, USER_FIELDS - {"userPrincipalName"}, "User")
        with self.store.transaction() as tx:
            rec = self._user_record(tx, caller, id_or_upn)
            if rec is None:
                raise not_found(id_or_upn)
            updated = {**rec.body, **{k: v for k, v in body.items() if k != "passwordProfile"}}
            profile: dict[str, Any] = body.get("passwordProfile") or {}
            password = profile.get("password")
            if password is not None:
                if not isinstance(password, str) or not complex_enough(password):
                    raise bad("The specified password does not comply with password complexity requirements. "
                              "Please provide a different password.")
                updated["passwordHash"] = hash_secret(password)
            tx.put(USER, rec.key, updated, expect=rec.version)
        return 204, None

    def delete_user(self, caller: Caller, id_or_upn: str) -> Answer:
        with self.store.transaction() as tx:
            rec = self._user_record(tx, caller, id_or_upn)
            if rec is None:
                raise not_found(id_or_upn)
            tx.delete(USER, rec.key, expect=rec.version)
        return 204, None


def complex_enough(password: str) -> bool:
    """Entra's rule for cloud users: 8 to 256 characters, with three of lower case, upper case, digits, symbols."""
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    return 8 <= len(password) <= 256 and classes >= 3
