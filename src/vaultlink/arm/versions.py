"""The api-versions each namespace accepts.

Azure publishes new api-versions every few months and the SDKs adopt them quickly, so besides the versions
listed here a namespace accepts a well-formed version newer than its newest listed one (never a future date):
a current SDK must not be refused for being newer than this table. Malformed, unknown older, and
future-dated versions are refused as ARM refuses them.
"""

from __future__ import annotations

import re

from vaultlink.core import errors
from vaultlink.core.clock import clock

_VERSION = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-preview|-beta|-alpha|-privatepreview)?$")

API_VERSIONS: dict[str, tuple[str, ...]] = {
    "microsoft.resources": (
        "2014-04-01", "2015-01-01", "2015-11-01", "2016-02-01", "2016-06-01", "2016-07-01", "2016-09-01",
        "2017-05-10", "2017-06-01", "2017-08-01", "2018-02-01", "2018-05-01", "2018-06-01", "2018-07-01",
        "2018-08-01", "2018-09-01", "2019-03-01", "2019-05-01", "2019-05-10", "2019-06-01", "2019-07-01",
        "2019-08-01", "2019-09-01", "2019-10-01", "2019-11-01", "2020-01-01", "2020-06-01", "2020-08-01",
        "2020-10-01", "2021-01-01", "2021-04-01", "2022-01-01", "2022-09-01", "2022-12-01", "2023-07-01",
        "2024-03-01", "2024-07-01", "2024-11-01", "2025-01-01", "2025-03-01", "2025-04-01",
    ),
    "microsoft.keyvault": (
        "2015-06-01", "2016-10-01", "2018-02-14", "2019-09-01", "2020-04-01-preview", "2021-04-01-preview",
        "2021-06-01-preview", "2021-10-01", "2021-11-01-preview", "2022-02-01-preview", "2022-07-01",
        "2022-11-01", "2023-02-01", "2023-07-01", "2024-04-01-preview", "2024-11-01", "2024-12-01-preview",
        "2025-05-01", "2026-02-01", "2026-04-01",
    ),
    "microsoft.network": (
        "2018-08-01", "2019-02-01", "2019-04-01", "2019-06-01", "2019-09-01", "2019-11-01", "2020-03-01",
        "2020-05-01", "2020-06-01", "2020-07-01", "2020-08-01", "2020-11-01", "2021-02-01", "2021-03-01",
        "2021-05-01", "2021-08-01", "2022-01-01", "2022-05-01", "2022-07-01", "2022-09-01", "2022-11-01",
        "2023-02-01", "2023-04-01", "2023-05-01", "2023-06-01", "2023-09-01", "2023-11-01", "2024-01-01",
        "2024-03-01", "2024-05-01", "2024-06-01", "2024-07-01", "2024-10-01", "2025-01-01", "2025-03-01",
        "2025-05-01", "2025-07-01", "2025-09-01",
    ),
    "microsoft.network/privatednszones": ("2018-09-01", "2020-01-01", "2020-06-01", "2024-06-01"),
    "microsoft.network/dnsresolvers": ("2020-04-01-preview", "2022-07-01", "2023-07-01-preview", "2025-05-01"),
    "microsoft.authorization": (
        "2015-07-01", "2017-05-01", "2018-01-01-preview", "2018-09-01-preview", "2020-03-01-preview",
        "2020-04-01-preview", "2020-10-01-preview", "2021-04-01-preview", "2022-04-01", "2022-05-01-preview",
        "2022-08-01-preview",
    ),
    "microsoft.compute": (
        "2019-07-01", "2020-06-01", "2020-12-01", "2021-03-01", "2021-07-01", "2021-11-01", "2022-03-01",
        "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01", "2024-03-01", "2024-07-01",
        "2024-11-01", "2025-04-01",
    ),
}
"""Keys are lower-case namespaces. Private DNS zones live in Microsoft.Network but keep their own api-versions
(2018-09-01 onwards), under the key "microsoft.network/privatednszones" that their routes name; DNS Private
Resolver's resources likewise under "microsoft.network/dnsresolvers"."""


def supported(namespace: str) -> tuple[str, ...]:
    return API_VERSIONS.get(namespace.lower(), ())


def check(namespace: str, version: str | None, resource_type: str, location: str = "global") -> str:
    """Returns the version, or raises the error ARM gives for a missing or unsupported one."""
    if not version:
        raise errors.MissingApiVersionParameter()
    known = supported(namespace)
    if version in known or _newer_release(version, known):
        return version
    listing = ",".join(reversed(known))
    if namespace.lower() == "microsoft.resources":
        raise errors.InvalidApiVersionParameter(version=version, supported=listing)
    raise errors.NoRegisteredProviderFound(location=location, version=version, type=resource_type, supported=listing)


def _newer_release(version: str, known: tuple[str, ...]) -> bool:
    m = _VERSION.match(version)
    if not m or not known:
        return False
    newest = max(v[:10] for v in known)
    return newest < version[:10] <= clock.utcnow().strftime("%Y-%m-%d")
