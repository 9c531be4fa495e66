"""What the fuzzers found, kept as plain cases: each request once answered 500 and must now answer Azure's error."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest

from tests.reliability.test_fuzz import Target, error_code, make_target, seed_data_plane

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) is installed by `make test`")


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with make_target(tmp_path_factory.mktemp("findings") / "data") as made:
        seed_data_plane(made)
        yield made


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    # a secret's attributes that are not an object (the update merged them into a dict)
    ("PATCH", "/secrets/fz/", {"contentType": "x", "attributes": []}, 400, "BadParameter"),
    ("PATCH", "/secrets/fz/", {"attributes": ""}, 400, "BadParameter"),
    ("PATCH", "/secrets/fz/", {"attributes": 7}, 400, "BadParameter"),
    # a curve that is not a string (looked up in a table of curves: unhashable)
    ("POST", "/keys/fzec/create", {"kty": "EC", "crv": {}}, 400, "BadParameter"),
    ("POST", "/keys/fzec/create", {"kty": "EC-HSM", "crv": ["P-256"]}, 400, "BadParameter"),
    ("PUT", "/keys/fzimport", {"key": {"kty": "EC", "crv": {}, "x": "AQ", "y": "AQ", "d": "AQ"}}, 400, "BadParameter"),
    # an issuer's administrators that are not objects, or whose fields are not strings
    ("PUT", "/certificates/issuers/fzissuer", {"provider": "DigiCert", "org_details": {"admin_details": [["Enabled"]]}},
     400, "BadParameter"),
    ("PUT", "/certificates/issuers/fzissuer", {"provider": "DigiCert", "org_details": {"admin_details": [
        {"first_name": 7, "email": "a@b.c"}]}}, 400, "BadParameter"),
])
def test_data_plane_findings(target: Target, method: str, path: str, body: object, status: int, code: str) -> None:
    answer = target.data(method, path, json.dumps(body).encode())
    assert (answer.status_code, error_code(answer)) == (status, code), answer.text


@pytest.mark.parametrize("text", [
    b'{"provider": "DigiCert", "org_details": {"admin_details": [Infinity]}}',
    b'{"provider": "DigiCert", "org_details": {"id": NaN}}',
    b'{"provider": "DigiCert", "org_details": {"id": 1e400}}',
])
def test_numbers_json_does_not_have(target: Target, text: bytes) -> None:
    """NaN, Infinity and numbers past a double's range are not JSON: 400, never a 500 from storing them."""
    answer = target.data("PUT", "/certificates/issuers/fzissuer", text)
    assert (answer.status_code, error_code(answer)) == (400, "BadParameter"), answer.text

