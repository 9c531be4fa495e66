"""A certificate's pending operation (/certificates/{name}/pending): read it, request its cancellation, delete
it, and merge a certificate signed elsewhere into it (issuer Unknown).
"""

from __future__ import annotations

from typing import Any

from vaultlink.vault import objects
from vaultlink.vault.certificates import x509
from vaultlink.vault.certificates.errors import PendingCertificateNotFound
from vaultlink.vault.certificates.service import CERT, PENDING, Certificates, pending_context, preserve_out
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.keys import crypto as keycrypto
from vaultlink.vault.keys.service import record_key
from vaultlink.vault.request import Request


class CertificateOperations:
    def __init__(self, certs: Certificates) -> None:
        self.certs = certs
        self.store = certs.store

    def _out(self, req: Request, name: str, op: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": f"{req.base}/certificates/{name}/pending", "issuer": op["issuer"],
                               "csr": op["csr"], "cancellation_requested": op["cancellation_requested"],
                               "status": op["status"]}
        if op.get("status_details"):
            out["status_details"] = op["status_details"]
        if op.get("error"):
            out["error"] = op["error"]
        if op.get("target"):
            out["target"] = op["target"]
        preserve_out(out, op, req.api_version)
        out["request_id"] = op["request_id"]
        return out

    def _name(self, req: Request) -> str:
        name = objects.check_name(req.params["name"])
        head = self.store.get(CERT, record_key(req.vault, name))
        return str(head.body["name"]) if head else name

    def get(self, req: Request) -> tuple[int, Any]:
        name = self._name(req)
        rec = self.store.get(PENDING, record_key(req.vault, name))
        if rec is None:
            raise PendingCertificateNotFound(name=name)
        return 200, self._out(req, name, rec.body)

    def update(self, req: Request) -> tuple[int, Any]:
        name = self._name(req)
        body = req.json()
        cancel = body.get("cancellation_requested")
        if not isinstance(cancel, bool):
            raise BadParameter(message="The request must have a 'cancellation_requested' property that is true or "
                               "false.")
        with self.store.transaction() as tx:
            rec = tx.get(PENDING, record_key(req.vault, name))
            if rec is None:
                raise PendingCertificateNotFound(name=name)
            op = {**rec.body, "cancellation_requested": cancel or rec.body["cancellation_requested"]}
            tx.put(PENDING, rec.key, op, expect=rec.version)
        return 200, self._out(req, name, op)

    def delete(self, req: Request) -> tuple[int, Any]:
        name = self._name(req)
        with self.store.transaction() as tx:
            rec = tx.get(PENDING, record_key(req.vault, name))
            if rec is None:
                raise PendingCertificateNotFound(name=name)
            tx.delete(PENDING, rec.key)
            head = tx.get(CERT, rec.key)
            if head is not None and head.body["current"] is None:
                tx.delete(CERT, rec.key)  # its first version was never issued: no certificate remains
        return 200, self._out(req, name, rec.body)

    def merge(self, req: Request) -> tuple[int, Any]:
        name = self._name(req)
        body = req.json()
        chain = x509.load_x5c(body.get("x5c"))
        attributes = objects.attributes_in(body.get("attributes"))
        tags = objects.tags_in(body.get("tags"))
        with self.store.transaction() as tx:
            rec = tx.get(PENDING, record_key(req.vault, name))
            if rec is None or rec.body["status"] != "inProgress" or not rec.body.get("private"):
                raise PendingCertificateNotFound(name=name)
            op = rec.body
            der = self.certs.protector.decrypt(req.vault.instance, op["private"], pending_context(name, op["version"]))
            private = keycrypto.load_private(der)
            mine = keycrypto.public_jwk(private)
            if not any(x509.matches(cert, mine) for cert in chain):
                raise BadParameter(message="Public key from x509 certificate and key of this instance doesn't match.")
            head = self.certs.head(tx, req.vault, name)
            enabled = bool(attributes.get("enabled", op["attributes"].get("enabled", True)))
            ver = self.certs.issue(tx, req.vault, req.base, name, op["version"], private, chain, head.body["policy"],
                                   enabled, tags if tags is not None else op.get("tags"), op.get("preserveCertOrder"))
            done = {k: v for k, v in op.items() if k not in ("private", "status_details")}
            done.update(status="completed", target=f"{req.base}/certificates/{name}")
            tx.put(PENDING, rec.key, done, expect=rec.version)
            shown = tx.get(CERT, rec.key)
            assert shown is not None
        return 201, self.certs.bundle(req, name, shown.body, ver)
