"""The OAuth 2.0 authorization code flow with PKCE, as Entra ID runs it.

`GET /{tenant}/oauth2/v2.0/authorize` shows the sign-in page (user name and password); its form posts back to
the same URL, and a correct password sends the browser to the client's `redirect_uri` with a code (in the query,
the fragment, or as an auto-submitted form for `response_mode=form_post`, which MSAL asks for) and the `state`
echoed. The token endpoint redeems the code once (`grant_type=authorization_code`): it must come back from the
same client, with the same redirect URI, within ten minutes, and with the `code_verifier` whose S256 (or plain)
transformation is the `code_challenge` of the request.

Clients are Entra's first-party public clients (the az CLI, Azure PowerShell), which may redirect to any loopback
port, and the Azure portal, which redirects to its own sign-in address. Codes live in memory: they are
short-lived, and a restart only means signing in again.

Entra's own error numbers and wordings: AADSTS50011 (redirect URI), AADSTS700016 (unknown client), AADSTS50126
(password), AADSTS50034 (unknown user), AADSTS54005 (code redeemed), AADSTS70008 (code expired), AADSTS50148
(PKCE). AADSTS500112 (redirect URI differing at the token endpoint) is UNCONFIRMED in its wording.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from vaultlink.core.clock import clock
from vaultlink.identity.directory import Directory, Principal, user_principal

CODE_LIFETIME = 600
FLOW_LIFETIME = 3600
MAX_CODES = 10_000
PORTAL_CLIENT_ID = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"
"""The Azure portal's application id."""


@dataclass(frozen=True)
class PublicClient:
    app_id: str
    name: str
    redirects: tuple[str, ...] = ()
    """Exact redirect URIs."""
    loopback_path: str | None = None
    """For clients that listen on the user's machine: http://localhost or 127.0.0.1 on any port, with this path
    ('' for any path), as Entra allows for native clients."""

    def allows(self, redirect_uri: str) -> bool:
        if redirect_uri in self.redirects:
            return True
        if self.loopback_path is None:
            return False
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1") or parts.fragment:
            return False
        return self.loopback_path == "" or parts.path == self.loopback_path


CLIENTS = {
    c.app_id: c
    for c in (
        PublicClient("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI", loopback_path=""),
        PublicClient("1950a258-227b-4e31-a9cf-717495945fc2", "Microsoft Azure PowerShell", loopback_path=""),
        PublicClient(PORTAL_CLIENT_ID, "Azure Portal", redirects=("https://portal.azure.com/signin",),
                     loopback_path="/signin"),
    )
}


class SignInError(Exception):
    """An error Entra shows on its own page (it cannot trust the redirect URI to carry it)."""

    def __init__(self, number: int, description: str) -> None:
        super().__init__(f"AADSTS{number}: {description}")
        self.number, self.description = number, description


class GrantError(Exception):
    """An error of the token endpoint's authorization_code grant: (status, error, number, description)."""

    def __init__(self, status: int, error: str, number: int, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.number, self.description = status, error, number, description


@dataclass(frozen=True)
class AuthorizeRequest:
    """The parameters of one authorize request, checked."""

    tenant: str
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    response_mode: str
    code_challenge: str | None
    code_challenge_method: str
    nonce: str | None
    login_hint: str
    client_info: bool

    FIELDS = ("client_id", "redirect_uri", "scope", "state", "response_mode", "response_type", "code_challenge",
              "code_challenge_method", "nonce", "login_hint", "client_info")


def parse_request(tenant: str, params: dict[str, str]) -> AuthorizeRequest:
    """Checks an authorize request as Entra does: the errors that cannot be sent to the redirect URI first."""
    client_id = params.get("client_id", "")
    if not client_id:
        raise SignInError(900144, "The request body must contain the following parameter: 'client_id'.")
    client = CLIENTS.get(client_id.lower())
    if client is None:
        raise SignInError(
            700016, f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented to by "
            "any user in the tenant. You may have sent your authentication request to the wrong tenant.")
    redirect_uri = params.get("redirect_uri", "")
    if not client.allows(redirect_uri):
        raise SignInError(
            50011, f"The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs "
            f"configured for the application '{client.app_id}'. Make sure the redirect URI sent in the request "
            "matches one added to your application in the Azure portal. Navigate to "
            "https://aka.ms/redirectUriMismatchError to learn more about how to fix this.")
    if "code" not in params.get("response_type", "").split():
        raise SignInError(
            700051, f"response_type '{params.get('response_type', '')}' is not enabled for the application. "
            "vaultlink answers the authorization code flow (response_type=code).")
    method = params.get("code_challenge_method") or ("plain" if params.get("code_challenge") else "")
    if params.get("code_challenge") and method not in ("S256", "plain"):
        raise SignInError(50149, "Invalid Code_Challenge_method parameter.")
    mode = params.get("response_mode") or "query"
    if mode not in ("query", "fragment", "form_post"):
        raise SignInError(900144, f"The value '{mode}' of the parameter 'response_mode' is not valid.")
    return AuthorizeRequest(
        tenant=tenant, client_id=client.app_id, redirect_uri=redirect_uri, scope=params.get("scope", ""),
        state=params.get("state"), response_mode=mode, code_challenge=params.get("code_challenge") or None,
        code_challenge_method=method, nonce=params.get("nonce") or None, login_hint=params.get("login_hint", ""),
        client_info=params.get("client_info") == "1",
    )


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest()).rstrip(b"=").decode()


@dataclass
class IssuedCode:
    request: AuthorizeRequest
    principal: Principal
    expires: float
    redeemed: bool = False


class AuthorizationCodes:
    """Sign-in with a password for an authorize request, the codes it issues, and their redemption."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._codes: dict[str, IssuedCode] = {}
        self._flow_key = secrets.token_bytes(32)

    # ---- the sign-in page's form ----------------------------------------------------------------------------
    def flow_token(self, request: AuthorizeRequest) -> str:
        """Binds a sign-in form to the request it was shown for, so a form posted from elsewhere is refused."""
        expires = str(int(clock.now()) + FLOW_LIFETIME)
        return expires + "." + self._mac(request, expires)

    def check_flow_token(self, request: AuthorizeRequest, token: str) -> bool:
        expires, _, mac = token.partition(".")
        if not expires.isdigit() or int(expires) < clock.now():
            return False
        return hmac.compare_digest(mac, self._mac(request, expires))

    def _mac(self, request: AuthorizeRequest, expires: str) -> str:
        text = "\n".join([expires, request.tenant, request.client_id, request.redirect_uri, request.scope,
                          request.state or "", request.code_challenge or "", request.nonce or ""])
        return hmac.new(self._flow_key, text.encode(), hashlib.sha256).hexdigest()

    def sign_in(self, request: AuthorizeRequest, upn: str, password: str, generic: bool) -> Principal:
        user = self.directory.user(upn.strip())
        if user is None or (not generic and user["tenantId"] != request.tenant):
            raise SignInError(
                50034, f"The user account {upn} does not exist in the {request.tenant} directory. To sign into this "
                "application, the account must be added to the directory.")
        if self.directory.authenticate_user(upn.strip(), password) is None:
            raise SignInError(50126, "Error validating credentials due to invalid username or password.")
        return user_principal(user)

    # ---- codes ------------------------------------------------------------------------------------------------
    def issue(self, request: AuthorizeRequest, principal: Principal) -> str:
        now = clock.now()
        if len(self._codes) >= MAX_CODES:
            self._codes = {k: v for k, v in self._codes.items() if v.expires > now}
        code = secrets.token_urlsafe(48)
        self._codes[code] = IssuedCode(request, principal, now + CODE_LIFETIME)
        return code

    def redeem(self, form: dict[str, str]) -> tuple[Principal, str, str | None]:
        """(who signed in, the scope, the nonce for the id_token) for a code, once."""
        issued = self._codes.get(form.get("code", ""))
        if issued is None:
            raise GrantError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        if issued.redeemed:
            raise GrantError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please "
                             "retry with a new valid code or use an existing refresh token.")
        request = issued.request
        if issued.expires < clock.now():
            raise GrantError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has "
                             "expired due to inactivity. Send a new interactive authorization request for this user "
                             "and resource.")
        if form.get("client_id", "").lower() != request.client_id.lower():
            raise GrantError(400, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid: "
                             "it was issued to another client.")
        if form.get("redirect_uri", "") != request.redirect_uri:
            raise GrantError(400, "invalid_grant", 500112, f"The reply address '{form.get('redirect_uri', '')}' does "
                             f"not match the reply address '{request.redirect_uri}' provided when requesting "
                             "Authorization code.")
        if request.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            given = s256(verifier) if request.code_challenge_method == "S256" else verifier
            if not verifier or not hmac.compare_digest(given, request.code_challenge):
                raise GrantError(400, "invalid_grant", 50148, "The code_verifier does not match the code_challenge "
                                 "supplied in the authorization request for PKCE.")
        issued.redeemed = True
        return issued.principal, form.get("scope") or request.scope, request.nonce

    # ---- the answer to the client -------------------------------------------------------------------------------
    def response_fields(self, request: AuthorizeRequest, code: str, client_info: str) -> dict[str, str]:
        fields = {"code": code}
        if request.client_info:
            fields["client_info"] = client_info
        if request.state is not None:
            fields["state"] = request.state
        fields["session_state"] = secrets.token_hex(16)
        return fields


def redirect_location(request: AuthorizeRequest, fields: dict[str, str]) -> str:
    """Where a query or fragment response sends the browser."""
    if request.response_mode == "fragment":
        return f"{request.redirect_uri}#{urlencode(fields)}"
    joiner = "&" if "?" in request.redirect_uri else "?"
    return f"{request.redirect_uri}{joiner}{urlencode(fields)}"
