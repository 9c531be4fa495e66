"""Certificate policies: the wire shape, Azure's defaults, validation, and partial updates.

A policy is stored as it is answered (snake_case sections: key_props, secret_props, x509_props,
lifetime_actions, issuer, attributes) with Azure's defaults filled in: an exportable RSA 2048 key that is not
reused, a PKCS#12 secret, server and client authentication EKUs, digitalSignature and keyEncipherment, 12
months, basic constraints CA:false, and renewal at 80% of the lifetime (an email to the contacts instead for
certificates whose issuer is Unknown).
"""

from __future__ import annotations

from typing import Any

from vaultlink.vault import versions
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
PLATFORM_SINCE = "2026-04-01"
"""The first api-version whose REST spec has the policy's platformManaged."""
CURVE_BITS = {"P-256": 256, "P-384": 384, "P-521": 521, "P-256K": 256}


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


def policy_in(raw: Any, *, issuing: bool = True, platform: bool = False) -> dict[str, Any]:
    """A complete, validated policy from a request's (possibly partial) policy.

    `issuing` is False where the validity is read from a certificate rather than asked of Key Vault (an
    import, or a policy update that leaves validity_months alone): the 1..1200 months limit is for what Key
    Vault issues, and a certificate made elsewhere may be valid for longer. `platform` reads platformManaged,
    which only the api-versions from PLATFORM_SINCE define; older ones leave it out as an unknown property.
    """
    if not isinstance(raw, dict):
        raise BadParameter(message="The certificate policy ('policy') must be an object.")
    managed = _platform_managed_in(raw.get("platformManaged")) if platform else None
    issuer = _issuer_in(_section(raw, "issuer"))
    key_props = _key_props_in(_section(raw, "key_props"))
    secret = _section(raw, "secret_props")
    content_type = secret.get("contentType") or x509.PKCS12
    if content_type not in CONTENT_TYPES:
        raise BadParameter(message=f"The secret content type '{content_type}' is not supported; use "
                           f"{x509.PKCS12} or {x509.PEM}.")
    x509_props = _x509_props_in(_section(raw, "x509_props"), key_props["kty"], issuing, managed is not None)
    actions = _lifetime_actions_in(raw.get("lifetime_actions"), issuer["name"], x509_props["validity_months"])
    attributes = _section(raw, "attributes")
    out = {
        "key_props": key_props,
        "secret_props": {"contentType": content_type},
        "x509_props": x509_props,
        "lifetime_actions": actions,
        "issuer": issuer,
        "attributes": {"enabled": _bool(attributes.get("enabled"), True, "attributes.enabled")},
    }
    if managed is not None:
        out["platformManaged"] = managed
    return out


def _platform_managed_in(value: Any) -> dict[str, Any] | None:
    """platformManaged: the certificate's intended usage (required) and metadata, whose schema the REST spec
    leaves open; only its `sans` is read, to name what a certificate is issued for (`_metadata_names`)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadParameter(message="The policy's 'platformManaged' must be an object.")
    usage = value.get("certificateUsage")
    if not isinstance(usage, str) or not usage:
        raise BadParameter(message="The policy's 'platformManaged' must have a 'certificateUsage' string.")
    metadata = value.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadParameter(message="The policy's 'platformManaged.metadata' must be an object.")
    out: dict[str, Any] = {"certificateUsage": usage}
    if metadata is not None:
        out["metadata"] = metadata  # kept and answered as given: its schema is the platform's
    return out


def _sans_in(raw: Any, what: str) -> dict[str, list[str]]:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise BadParameter(message=f"The policy's '{what}' must be an object.")
    sans = {wire: _strings(raw.get(wire), f"{what}.{wire}") for wire, _ in SANS}
    return {k: v for k, v in sans.items() if v}


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


def key_spec(props: dict[str, Any]) -> keycrypto.KeySpec:
    """The key a policy's key_props describe. An EC key may also give the key_size of its curve (256 for P-256),
    as Microsoft's SDK tests do; another size is refused."""
    kty, size, crv = props.get("kty") or "RSA", props.get("key_size"), props.get("crv")
    if kty in keycrypto.EC_TYPES and size is not None:
        spec = keycrypto.spec_of(kty, None, crv)
        if size != CURVE_BITS.get(str(spec.crv)):
            raise BadParameter(message=f"The key size '{size}' does not match the curve {spec.crv}; give 'crv' alone.")
        return spec
    return keycrypto.spec_of(kty, size, crv)


def _key_props_in(props: dict[str, Any]) -> dict[str, Any]:
    spec = key_spec(props)
    out: dict[str, Any] = {"exportable": _bool(props.get("exportable"), True, "key_props.exportable"), "kty": spec.kty}
    if spec.is_rsa:
        out["key_size"] = spec.size
    else:
        out["crv"] = spec.crv
        if props.get("key_size") is not None:
            out["key_size"] = props["key_size"]
    out["reuse_key"] = _bool(props.get("reuse_key"), False, "key_props.reuse_key")
    return out


def _x509_props_in(props: dict[str, Any], kty: str, issuing: bool, platform_managed: bool) -> dict[str, Any]:
    subject = props.get("subject") or ""
    if not isinstance(subject, str):
        raise BadParameter(message="The policy's subject must be a string.")
    x509.parse_name(subject)  # refuses what is not a distinguished name
    sans = _sans_in(props.get("sans"), "sans")
    if not subject and not sans and not platform_managed:  # the platform names what it manages
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
    if not isinstance(months, int) or isinstance(months, bool) or months < 1 or (issuing and months > MAX_MONTHS):
        raise _bad_validity(months)
    x509.Subject(subject, ekus=tuple(ekus), key_usage=tuple(usages))  # shape only
    return {"subject": subject, "sans": sans, "ekus": ekus, "key_usage": usages, "validity_months": months,
            "basic_constraints": {"ca": False}}


def _bad_validity(months: Any) -> BadParameter:
    return BadParameter(message=f"The validity_months '{months}' is not valid; it must be between 1 and {MAX_MONTHS}.")


def check_issuable(policy: dict[str, Any]) -> None:
    """Refuses to issue under a policy whose validity only an imported certificate may have: a new version is
    Key Vault's to issue, and Key Vault issues for at most MAX_MONTHS."""
    months = policy["x509_props"]["validity_months"]
    if months > MAX_MONTHS:
        raise _bad_validity(months)


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


def merge(stored: dict[str, Any], patch: Any, *, platform: bool = False) -> dict[str, Any]:
    """A PATCH of the policy: the given members replace the stored ones, sections merge member by member.
    A stored platformManaged stays; `platform` (the api-version defines it) lets the patch replace it."""
    if not isinstance(patch, dict):
        raise BadParameter(message="The certificate policy must be an object.")
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in stored.items()}
    for section in ("key_props", "secret_props", "x509_props", "issuer", "attributes"):
        given = _section(patch, section)
        given = {k: v for k, v in given.items() if v is not None}
        if section == "key_props" and given.get("kty") and given["kty"] != merged["key_props"].get("kty"):
            merged["key_props"] = {k: v for k, v in merged["key_props"].items() if k not in ("key_size", "crv")}
        elif section == "key_props" and given.get("crv") and "key_size" not in given:
            merged["key_props"] = {k: v for k, v in merged["key_props"].items() if k != "key_size"}
        merged[section] = {**merged.get(section, {}), **given}
    if patch.get("lifetime_actions") is not None:
        merged["lifetime_actions"] = patch["lifetime_actions"]
    if platform and patch.get("platformManaged") is not None:
        merged["platformManaged"] = patch["platformManaged"]
    return policy_in(merged, issuing="validity_months" in _section(patch, "x509_props"), platform=True)


def subject_of(policy: dict[str, Any]) -> x509.Subject:
    """What a certificate is built for: x509_props, and the names a platform-managed policy's metadata gives."""
    props = policy["x509_props"]
    sans = _names(policy)
    return x509.Subject(
        subject=props["subject"], dns_names=tuple(sans.get("dns_names", ())), emails=tuple(sans.get("emails", ())),
        upns=tuple(sans.get("upns", ())), ip_addresses=tuple(sans.get("ipAddresses", ())),
        uris=tuple(sans.get("uris", ())), ekus=tuple(props["ekus"]), key_usage=tuple(props["key_usage"]),
        validity_months=props["validity_months"],
    )


def _names(policy: dict[str, Any]) -> dict[str, list[str]]:
    """The subject alternative names of x509_props, then those of platformManaged.metadata.sans not among them."""
    out = {kind: list(values) for kind, values in policy["x509_props"].get("sans", {}).items()}
    for kind, values in _metadata_names(policy).items():
        known = out.setdefault(kind, [])
        known.extend(v for v in values if v not in known)
    return out


def _metadata_names(policy: dict[str, Any]) -> dict[str, list[str]]:
    """platformManaged.metadata.sans as names: an object in x509_props' shape, or a list of DNS names; what is
    neither names nothing (it is still kept and answered)."""
    sans = (policy.get("platformManaged", {}).get("metadata") or {}).get("sans")
    if isinstance(sans, list) and all(isinstance(v, str) and v for v in sans):
        return {"dns_names": list(sans)} if sans else {}
    if isinstance(sans, dict):
        names = {wire: sans.get(wire) for wire, _ in SANS}
        return {k: list(v) for k, v in names.items()
                if isinstance(v, list) and v and all(isinstance(i, str) and i for i in v)}
    return {}


def cannot_issue(policy: dict[str, Any]) -> str | None:
    """Why a certificate cannot be built from the policy, or None. Only a platform-managed policy may lack both
    a subject and names; what the platform would name it for is not known here."""
    s = subject_of(policy)
    if s.subject or s.dns_names or s.emails or s.upns or s.ip_addresses or s.uris:
        return None
    usage = policy.get("platformManaged", {}).get("certificateUsage", "")
    return (f"The platform-managed certificate (certificateUsage '{usage}') names no subject and no subject "
            "alternative names, in x509_props or in platformManaged.metadata.sans, and vaultlink has no platform "
            "to name them; give a subject or metadata.sans to have it issued.")


def from_import(imported: x509.Imported, given: Any, *, platform: bool = False) -> dict[str, Any]:
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
        return policy_in(base, issuing=False)
    if platform and isinstance(given, dict) and given.get("platformManaged") is not None:
        base["platformManaged"] = given["platformManaged"]
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
    return policy_in(raw, issuing=False, platform=platform)


def policy_out(base: str, name: str, stored: dict[str, Any], api_version: str) -> dict[str, Any]:
    out = {"id": f"{base}/certificates/{name}/policy", **stored}
    if not versions.at_least(api_version, PLATFORM_SINCE):
        out.pop("platformManaged", None)
    return out
