"""The vault's certificate contacts and certificate issuers (/certificates/contacts, /certificates/issuers).

Contacts are one list per vault. An issuer names a provider with optional credentials (the password is
sealed by the Protector and never answered back) and organization details.
"""

from __future__ import annotations

from typing import Any

from vaultlink.store import Store
from vaultlink.vault import objects
from vaultlink.vault.certificates.errors import CertificateIssuerNotFound, ContactsNotFound
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.model import VaultInfo
from vaultlink.vault.protection import Protector
from vaultlink.vault.request import Request

CONTACTS, ISSUER = "kv-cert-contacts", "kv-cert-issuer"
RESERVED_ISSUERS = ("self", "unknown")


def issuer_exists(store: Store, vault: VaultInfo, name: str) -> bool:
    return store.get(ISSUER, f"{vault.instance}/{name.lower()}") is not None


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadParameter(message=f"'{what}' must be a string.")
    return value


class CertificateContacts:
    def __init__(self, store: Store, protector: Protector) -> None:
        self.store = store
        self.protector = protector

    # ---- contacts ---------------------------------------------------------------------------------------
    def _contacts_out(self, req: Request, contacts: list[dict[str, str]]) -> dict[str, Any]:
        return {"id": f"{req.base}/certificates/contacts", "contacts": contacts}

    def get_contacts(self, req: Request) -> tuple[int, Any]:
        rec = self.store.get(CONTACTS, req.vault.instance)
        if rec is None:
            raise ContactsNotFound()
        return 200, self._contacts_out(req, rec.body["contacts"])

    def set_contacts(self, req: Request) -> tuple[int, Any]:
        raw = req.json().get("contacts")
        if not isinstance(raw, list):
            raise BadParameter(message="The request must have a 'contacts' property: a list of contacts.")
        contacts = []
        for item in raw:
            if not isinstance(item, dict):
                raise BadParameter(message="Each contact must be an object with 'email', 'name' and 'phone'.")
            email = _text(item.get("email"), "email")
            if not email or "@" not in email:
                raise BadParameter(message=f"The contact email address '{email}' is not valid.")
            contact = {"email": email}
            for field in ("name", "phone"):
                value = _text(item.get(field), field)
                if value is not None:
                    contact[field] = value
            contacts.append(contact)
        with self.store.transaction() as tx:
            tx.put(CONTACTS, req.vault.instance, {"contacts": contacts})
        return 200, self._contacts_out(req, contacts)

    def delete_contacts(self, req: Request) -> tuple[int, Any]:
        with self.store.transaction() as tx:
            rec = tx.get(CONTACTS, req.vault.instance)
            if rec is None:
                raise ContactsNotFound()
            tx.delete(CONTACTS, req.vault.instance)
        return 200, self._contacts_out(req, rec.body["contacts"])

    # ---- issuers ----------------------------------------------------------------------------------------
    def _issuer_out(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": f"{req.base}/certificates/issuers/{body['name']}", "provider": body["provider"]}
        if body.get("credentials") is not None:
            out["credentials"] = {k: v for k, v in body["credentials"].items() if k == "account_id"}
        if body.get("org_details") is not None:
            out["org_details"] = body["org_details"]
        out["attributes"] = body["attributes"]
        return out

    def _issuer_name(self, req: Request) -> str:
        name = objects.check_name(req.params["issuer"])
        if name.lower() in RESERVED_ISSUERS:
            raise BadParameter(message=f"The issuer name '{name}' is reserved; Self and Unknown cannot be set.")
        return name

    def _issuer_in(self, req: Request, name: str, raw: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        provider = raw.get("provider", old["provider"] if old else None)
        if not isinstance(provider, str) or not provider:
            raise BadParameter(message="The issuer must have a 'provider' property, such as DigiCert or GlobalSign.")
        body: dict[str, Any] = {"name": old["name"] if old else name, "provider": provider,
                                "credentials": old.get("credentials") if old else None,
                                "org_details": old.get("org_details") if old else None}
        credentials = raw.get("credentials")
        if credentials is not None:
            if not isinstance(credentials, dict):
                raise BadParameter(message="The issuer's 'credentials' must be an object.")
            stored: dict[str, Any] = {}
            if _text(credentials.get("account_id"), "credentials.account_id") is not None:
                stored["account_id"] = credentials["account_id"]
            if _text(credentials.get("pwd"), "credentials.pwd") is not None:
                stored["pwd"] = self.protector.encrypt(req.vault.instance, credentials["pwd"].encode(),
                                                       f"certificate-issuer:{name.lower()}")
            body["credentials"] = stored
        org = raw.get("org_details")
        if org is not None:
            if not isinstance(org, dict) or not isinstance(org.get("admin_details", []), list):
                raise BadParameter(message="The issuer's 'org_details' must be an object with 'admin_details'.")
            for admin in org.get("admin_details") or []:
                if not isinstance(admin, dict):
                    raise BadParameter(message="Each of the issuer's 'admin_details' must be an object.")
                for field in ("first_name", "last_name", "email", "phone"):
                    _text(admin.get(field), f"org_details.admin_details.{field}")
            if org.get("id") is not None:
                _text(org.get("id"), "org_details.id")
            body["org_details"] = {k: v for k, v in org.items() if k in ("id", "admin_details") and v is not None}
        attributes = raw.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise BadParameter(message="The issuer's 'attributes' must be an object.")
        stamp = objects.now()
        enabled = attributes.get("enabled", old["attributes"]["enabled"] if old else True)
        if not isinstance(enabled, bool):
            raise BadParameter(message="The attribute 'enabled' must be true or false.")
        body["attributes"] = {"enabled": enabled, "created": old["attributes"]["created"] if old else stamp,
                              "updated": stamp}
        return body

    def set_issuer(self, req: Request) -> tuple[int, Any]:
        name = self._issuer_name(req)
        raw = req.json()
        if raw.get("provider") is None:
            raise BadParameter(message="The issuer must have a 'provider' property, such as DigiCert or GlobalSign.")
        body = self._issuer_in(req, name, raw, None)
        with self.store.transaction() as tx:
            tx.put(ISSUER, f"{req.vault.instance}/{name.lower()}", body)
        return 200, self._issuer_out(req, body)

    def update_issuer(self, req: Request) -> tuple[int, Any]:
        name = self._issuer_name(req)
        raw = req.json()
        with self.store.transaction() as tx:
            rec = tx.get(ISSUER, f"{req.vault.instance}/{name.lower()}")
            if rec is None:
                raise CertificateIssuerNotFound(name=name)
            body = self._issuer_in(req, name, raw, rec.body)
            tx.put(ISSUER, rec.key, body, expect=rec.version)
        return 200, self._issuer_out(req, body)

    def get_issuer(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["issuer"])
        rec = self.store.get(ISSUER, f"{req.vault.instance}/{name.lower()}")
        if rec is None:
            raise CertificateIssuerNotFound(name=name)
        return 200, self._issuer_out(req, rec.body)

    def delete_issuer(self, req: Request) -> tuple[int, Any]:
        name = objects.check_name(req.params["issuer"])
        with self.store.transaction() as tx:
            rec = tx.get(ISSUER, f"{req.vault.instance}/{name.lower()}")
            if rec is None:
                raise CertificateIssuerNotFound(name=name)
            tx.delete(ISSUER, rec.key)
        return 200, self._issuer_out(req, rec.body)

    def list_issuers(self, req: Request) -> tuple[int, Any]:
        page = objects.page_of(req.query)
        recs = self.store.list(ISSUER, f"{req.vault.instance}/", limit=page.size, after=page.after)
        value = [{"id": f"{req.base}/certificates/issuers/{r.body['name']}", "provider": r.body["provider"]}
                 for r in recs]
        last = recs[-1].key if recs else None
        return 200, {"value": value, "nextLink": objects.next_link(req.base, "/certificates/issuers", req.api_version,
                                                                   page, last, len(recs) == page.size)}
