"""Entra's authorization code grant at the token endpoint, its refusals as Entra words them: a code is redeemed
once, only by the client it was issued to, with the same redirect URI and the PKCE verifier; a redirect URI the
client did not register is refused on the sign-in page. Driven with plain HTTP on the loopback sign-in app."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from tests.vaultlink_process import Running

CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
REDIRECT = "http://localhost:8400"


def authorize(running: Running, verifier: str, **extra: str) -> tuple[httpx.Response, dict[str, str]]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"client_id": CLIENT, "response_type": "code", "redirect_uri": REDIRECT, "state": "st-1",
              "scope": "https://management.core.windows.net//.default openid", "code_challenge": challenge,
              "code_challenge_method": "S256", **extra}
    base = f"{running.proxy}/login.microsoftonline.com/organizations/oauth2/v2.0/authorize?{urlencode(params)}"
    with httpx.Client(trust_env=False) as client:
        page = client.get(base)
        flow = re.search(r'name="flowToken" value="([^"]+)"', page.text)
        if flow is None:
            return page, {}
        user = running.credentials["user"]
        answer = client.post(base, data={"login": user["userPrincipalName"], "passwd": user["password"],
                                         "flowToken": flow.group(1)})
    return answer, {k: v[0] for k, v in parse_qs(urlsplit(answer.headers.get("location", "")).query).items()}


def redeem(running: Running, code: str, verifier: str, redirect: str = REDIRECT, client: str = CLIENT) -> Any:
    with httpx.Client(trust_env=False, proxy=running.proxy, verify=running.ca) as http:
        return http.post("https://login.microsoftonline.com/organizations/oauth2/v2.0/token", data={
            "grant_type": "authorization_code", "client_id": client, "code": code, "redirect_uri": redirect,
            "code_verifier": verifier, "scope": "https://management.core.windows.net//.default"})


def test_a_code_is_redeemed_once_with_its_verifier(vaultlink: Running) -> None:
    verifier = secrets.token_urlsafe(40)
    answer, fields = authorize(vaultlink, verifier)
    assert answer.status_code == 302 and answer.headers["location"].startswith(REDIRECT + "?")
    assert fields["state"] == "st-1" and fields["code"]
    wrong = redeem(vaultlink, fields["code"], "another-verifier")
    assert wrong.status_code == 400 and wrong.json()["error_codes"] == [50148]
    moved = redeem(vaultlink, fields["code"], verifier, redirect="http://localhost:9999")
    assert moved.json()["error_codes"] == [500112]
    ok = redeem(vaultlink, fields["code"], verifier)
    assert ok.status_code == 200, ok.text
    assert ok.json()["access_token"] and ok.json()["refresh_token"] and ok.json()["id_token"]
    again = redeem(vaultlink, fields["code"], verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert again.json()["error_description"].startswith("AADSTS54005: OAuth2 Authorization code was already redeemed")
    assert redeem(vaultlink, "not-a-code", verifier).json()["error_codes"] == [9002313]


def test_the_code_belongs_to_its_client(vaultlink: Running) -> None:
    verifier = secrets.token_urlsafe(40)
    _, fields = authorize(vaultlink, verifier)
    other = redeem(vaultlink, fields["code"], verifier, client="1950a258-227b-4e31-a9cf-717495945fc2")
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("extra", "number"), [
    ({"redirect_uri": "https://evil.example/cb"}, 50011),
    ({"client_id": "00000000-0000-0000-0000-000000000000"}, 700016),
    ({"code_challenge_method": "S512"}, 50149),
])
def test_the_sign_in_page_refuses_what_it_cannot_redirect(vaultlink: Running, extra: dict[str, str], number: int) -> None:
    page, fields = authorize(vaultlink, "v", **extra)
    assert page.status_code == 400 and not fields
    assert f"AADSTS{number}:" in page.text and 'name="passwd"' not in page.text


def test_form_post_answers_with_a_form_to_the_redirect_uri(vaultlink: Running) -> None:
    answer, _ = authorize(vaultlink, secrets.token_urlsafe(40), response_mode="form_post", client_info="1")
    assert answer.status_code == 200
    assert f'<form method="post" action="{REDIRECT}">' in answer.text
    assert 'name="code"' in answer.text and 'name="state" value="st-1"' in answer.text and 'name="client_info"' in answer.text
