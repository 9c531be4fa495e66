"""Certificate policies: the wire shape, Azure's defaults, validation, and partial updates.

A policy is stored as it is answered (snake_case sections: key_props, secret_props, x509_props,
lifetime_actions, issuer, attributes) with Azure's defaults filled in: an exportable RSA 2048 key that is not
reused, a PKCS#12 secret, server and client authentication EKUs, digitalSignature and keyEncipherment, 12
months, basic constraints CA:false, and renewal at 80% of the lifetime (an email to the contacts instead for
certificates whose issuer is Unknown).
"""

from __future__ import annotations

from typing import Any

from vaultlink.vault.certificates import x509
from vaultlink.vault.errors import BadParameter
from vaultlink.vault.keys import crypto as keycrypto

SELF, UNKNOWN = "Self", "Unknown"
DEFAULT_EKUS = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]
CONTENT_TYPES = (x509.PKCS12, x509.PEM)
SANS = (("emails", "emails"), ("dns_names", "dns_names"), ("upns", "upns"), ("ipAddresses", "ip_addresses"),
        ("uris", "uris"))
ACTIONS = {"emailcontacts": "EmailContacts", "autorenew": "AutoRenew"}
MAX_MONTHS = 1200


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadParameter(message=f"The policy's '{name}' must be an object.")
    return value


def _bool(value: Any, default: bool, what: str) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BadParameter(message=f"The policy property '{what}' must be true or false.")
    return value


def _strings(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BadParameter(message=f"The policy property '{what}' must be a list of strings.")
    return list(value)


def policy_in(raw: Any) -> dict[str, Any]:
    """A complete, validated policy from a request's (possibly partial) policy."""
    if not isinstance(raw, dict):
        raise BadParameter(message="The certificate policy ('policy') must be an object.")
    issuer = _issuer_in(_section(raw, "issuer"))
    key_props = _key_props_in(_section(raw, "key_props"))
    secret = _section(raw, "secret_props")
    content_type = secret.get("contentType") or x509.PKCS12
    if content_type not in CONTENT_TYPES:
        raise BadParameter(message=f"The secret content type '{content_type}' is not supported; use "
                           f"{x509.PKCS12} or {x509.PEM}.")
    x509_props = _x509_props_in(_section(raw, "x509_props"), key_props["kty"])
    actions = _lifetime_actions_in(raw.get("lifetime_actions"), issuer["name"], x509_props["validity_months"])
    attributes = _section(raw, "attributes")
    return {
        "key_props": key_props,
        "secret_props": {"contentType": content_type},
        "x509_props": x509_props,
        "lifetime_actions": actions,
        "issuer": issuer,
        "attributes": {"enabled": _bool(attributes.get("enabled"), True, "attributes.enabled")},
    }


def _issuer_in(issuer: dict[str, Any]) -> dict[str, Any]:
    name = issuer.get("name") or UNKNOWN
    if not isinstance(name, str):
        raise BadParameter(message="The policy's issuer name must be a string.")
    name = {"self": SELF, "unknown": UNKNOWN}.get(name.lower(), name)
    out: dict[str, Any] = {"name": name}
    if issuer.get("cty") is not None:
        out["cty"] = str(issuer["cty"])
    if issuer.get("cert_transparency") is not None:
        out["cert_transparency"] = _bool(issuer["cert_transparency"], False, "issuer.cert_transparency")
    return out


def _key_props_in(props: dict[str, Any]) -> dict[str, Any]:
    kty = props.get("kty") or "RSA"
    spec = keycrypto.spec_of(kty, props.get("key_size"), props.get("crv"))
    out: dict[str, Any] = {"exportable": _bool(props.get("exportable"), True, "key_props.exportable"), "kty": spec.kty}
    if spec.is_rsa:
        out["key_size"] = spec.size
    else:
        out["crv"] = spec.crv
    out["reuse_key"] = _bool(props.get("reuse_key"), False, "key_props.reuse_key")
    return out


def _x509_props_in(props: dict[str, Any], kty: str) -> dict[str, Any]:
    subject = props.get("subject") or ""
    if not isinstance(subject, str):
        raise BadParameter(message="The policy's subject must be a string.")
    x509.parse_name(subject)  # refuses what is not a distinguished name
    raw_sans = props.get("sans") or {}
    if not isinstance(raw_sans, dict):
        raise BadParameter(message="The policy's 'sans' must be an object.")
    sans = {wire: _strings(raw_sans.get(wire), f"sans.{wire}") for wire, _ in SANS}
    sans = {k: v for k, v in sans.items() if v}
    if not subject and not sans:
        raise BadParameter(message="The certificate policy must have a subject or at least one subject "
                           "alternative name.")
    ekus = [x509.check_eku(e) for e in _strings(props.get("ekus"), "ekus")] if props.get("ekus") is not None \
        else list(DEFAULT_EKUS)
    default_usage = ["digitalSignature", "keyEncipherment"] if kty in keycrypto.RSA_TYPES else ["digitalSignature"]
    usages = _strings(props.get("key_usage"), "key_usage") if props.get("key_usage") is not None else default_usage
    canonical = {n.lower(): n for n in x509.KEY_USAGES}
    for i, usage in enumerate(usages):
        if usage.lower() not in canonical:
            raise BadParameter(message=f"The key usage '{usage}' is not valid; use one of "
                               f"{', '.join(x509.KEY_USAGES)}.")
        usages[i] = canonical[usage.lower()]
    months = props.get("validity_months", 12)
    if months is None:
        months = 12
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        raise BadParameter(message=f"The validity_months '{months}' is not valid; it must be between 1 and "
                           f"{MAX_MONTHS}.")
    x509.Subject(subject, ekus=tuple(ekus), key_usage=tuple(usages))  # shape only
    return {"subject": subject, "sans": sans, "ekus": ekus, "key_usage": usages, "validity_months": months,
            "basic_constraints": {"ca": False}}


def _lifetime_actions_in(value: Any, issuer: str, months: int) -> list[dict[str, Any]]:
    if value is None:
        kind = "EmailContacts" if issuer == UNKNOWN else "AutoRenew"
        return [{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": kind}}]
    if not isinstance(value, list):
        raise BadParameter(message="The policy's 'lifetime_actions' must be a list.")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise BadParameter(message="Each lifetime action must be an object with 'trigger' and 'action'.")
        trigger: dict[str, Any] = item["trigger"] if isinstance(item.get("trigger"), dict) else {}
        action: dict[str, Any] = item["action"] if isinstance(item.get("action"), dict) else {}
        action_type = action.get("action_type")
        if not isinstance(action_type, str) or action_type.lower() not in ACTIONS:
            raise BadParameter(message=f"The lifetime action type '{action_type}' is not valid; use EmailContacts or "
                               "AutoRenew.")
        given = {k: trigger[k] for k in ("lifetime_percentage", "days_before_expiry") if trigger.get(k) is not None}
        if len(given) != 1:
            raise BadParameter(message="A lifetime action's trigger must set exactly one of lifetime_percentage and "
                               "days_before_expiry.")
        (field, number), = given.items()
        top = 99 if field == "lifetime_percentage" else months * 27
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= top:
            raise BadParameter(message=f"The trigger '{field}' value '{number}' is not valid; it must be between 1 "
                               f"and {top}.")
        out.append({"trigger": {field: number}, "action": {"action_type": ACTIONS[action_type.lower()]}})
    return out


def merge(stored: dict[str, Any], patch: Any) -> dict[str, Any]:
    """A PATCH of the policy: the given members replace the stored ones, sections merge member by member."""
    if not isinstance(patch, dict):
        raise BadParameter(message="The certificate policy must be an object.")
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in stored.items()}
    for section in ("key_props", "secret_props", "x509_props", "issuer", "attributes"):
        given = _section(patch, section)
        given = {k: v for k, v in given.items() if v is not None}
        if section == "key_props" and given.get("kty") and given["kty"] != merged["key_props"].get("kty"):
            merged["key_props"] = {k: v for k, v in merged["key_props"].items() if k not in ("key_size", "crv")}
        merged[section] = {**merged.get(section, {}), **given}
    if patch.get("lifetime_actions") is not None:
        merged["lifetime_actions"] = patch["lifetime_actions"]
    return policy_in(merged)


def subject_of(policy: dict[str, Any]) -> x509.Subject:
    props = policy["x509_props"]
    sans = props.get("sans", {})
    return x509.Subject(
        subject=props["subject"], dns_names=tuple(sans.get("dns_names", ())), emails=tuple(sans.get("emails", ())),
        upns=tuple(sans.get("upns", ())), ip_addresses=tuple(sans.get("ipAddresses", ())),
        uris=tuple(sans.get("uris", ())), ekus=tuple(props["ekus"]), key_usage=tuple(props["key_usage"]),
        validity_months=props["validity_months"],
    )


def from_import(imported: x509.Imported, given: Any) -> dict[str, Any]:
    """The policy of an imported certificate: what the certificate and key say, then what the request gives."""
    described = x509.describe(imported.chain[0])
    spec = keycrypto.spec_from_key("RSA" if keycrypto.public_jwk(imported.key).get("n") else "EC", imported.key)
    key_props: dict[str, Any] = {"exportable": True, "kty": spec.kty, "reuse_key": False}
    if spec.is_rsa:
        key_props["key_size"] = spec.size
    else:
        key_props["crv"] = spec.crv
    base: dict[str, Any] = {"key_props": key_props, "secret_props": {"contentType": imported.content_type},
                            "x509_props": described, "issuer": {"name": UNKNOWN}}
    if given is None:
        return policy_in(base)
    if not isinstance(given, dict):
        raise BadParameter(message="The certificate policy ('policy') must be an object.")
    raw = {**base}
    for section in ("key_props", "secret_props", "issuer", "attributes"):
        part = {k: v for k, v in _section(given, section).items() if v is not None}
        if section == "key_props":  # the key is what was imported; only its handling may be chosen
            part = {k: v for k, v in part.items() if k in ("exportable", "reuse_key")}
        raw[section] = {**raw.get(section, {}), **part}
    if given.get("lifetime_actions") is not None:
        raw["lifetime_actions"] = given["lifetime_actions"]
    return policy_in(raw)


def policy_out(base: str, name: str, stored: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{base}/certificates/{name}/policy", **stored}
