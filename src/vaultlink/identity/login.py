"""login.microsoftonline.com: discovery documents, JWKS, the token endpoint and the device-code endpoint.

Answers in Entra ID's own shapes, including its AADSTS error bodies, because MSAL (inside az and the SDKs)
shows them to the user as they are. Grants: client_credentials, password, refresh_token, device_code, and
authorization_code (the sign-in pages and the codes are in `signin.py` and `authorize.py`).
The managed-identity endpoint (App Service style, IDENTITY_ENDPOINT / IDENTITY_HEADER) lives here too.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vaultlink.core.clock import clock
from vaultlink.identity import audiences
from vaultlink.identity.authorize import AuthorizationCodes, GrantError, SignInError
from vaultlink.identity.directory import CLI_CLIENT_ID, Directory, Principal, app_principal, user_principal
from vaultlink.identity.signin import SignInPages
from vaultlink.identity.tokens import TokenIssuer, client_info, numeric_date, resource_from_scope

OIDC_SCOPES = {"openid", "profile", "offline_access", "email"}
REFRESH_LIFETIME = 90 * 24 * 3600
DEVICE_CODE_LIFETIME = 900


class AADError(Exception):
    def __init__(self, status: int, error: str, number: int, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.number, self.description = status, error, number, description

    def response(self) -> JSONResponse:
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = clock.utcnow().strftime("%Y-%m-%d %H:%M:%SZ")
        text = f"AADSTS{self.number}: {self.description}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {stamp}"
        body = {
            "error": self.error,
            "error_description": text,
            "error_codes": [self.number],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.number}",
        }
        return JSONResponse(body, status_code=self.status)


def tenant_not_found(name: str) -> AADError:
    return AADError(
        400,
        "invalid_request",
        90002,
        f"Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into the "
        "correct cloud. Check with your subscription administrator, this may happen if there are no active "
        "subscriptions for the tenant.",
    )


def resource_not_found(resource: str, tenant: str) -> AADError:
    return AADError(
        400,
        "invalid_resource",
        500011,
        f"The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if "
        "the application has not been installed by the administrator of the tenant or consented to by any user "
        "in the tenant. You might have sent your authentication request to the wrong tenant.",
    )


@dataclass
class DeviceCode:
    tenant_id: str
    client_id: str
    scope: str
    expires: float


class Login:
    """The endpoints, bound to one directory and one token issuer."""

    GENERIC = frozenset({"common", "organizations", "consumers"})

    def __init__(self, directory: Directory, issuer: TokenIssuer) -> None:
        self.directory = directory
        self.issuer = issuer
        self.device_codes: dict[str, DeviceCode] = {}
        self.codes = AuthorizationCodes(directory)

    # ---- routing ----------------------------------------------------------------------------------------
    def app(self) -> Starlette:
        routes = [
            Route("/common/discovery/instance", self.instance_discovery),
            Route("/common/userrealm/{upn}", self.user_realm),
            Route("/{tenant}/v2.0/.well-known/openid-configuration", self.openid_configuration_v2),
            Route("/{tenant}/.well-known/openid-configuration", self.openid_configuration_v1),
            Route("/{tenant}/discovery/v2.0/keys", self.keys),
            Route("/{tenant}/discovery/keys", self.keys),
            Route("/{tenant}/oauth2/v2.0/token", self.token, methods=["POST"]),
            Route("/{tenant}/oauth2/token", self.token, methods=["POST"]),
            Route("/{tenant}/oauth2/v2.0/devicecode", self.device_code, methods=["POST"]),
            Route("/{tenant}/oauth2/devicecode", self.device_code, methods=["POST"]),
            *SignInPages(self.codes, self._tenant_for_signin, self.GENERIC).routes(),
        ]
        return Starlette(routes=routes, exception_handlers={AADError: _aad_error, 404: _not_found})

    def managed_identity_app(self) -> Starlette:
        """GET /msi/token?resource=...&api-version=2019-08-01 with X-IDENTITY-HEADER."""
        return Starlette(routes=[Route("/msi/token", self.managed_identity_token)], exception_handlers={404: _not_found})

    # ---- discovery ----------------------------------------------------------------------------------------
    def _tenant_for_path(self, name: str) -> str:
        if name.lower() in self.GENERIC:
            return name.lower()
        tenant = self.directory.resolve_tenant(name)
        if tenant is None:
            raise tenant_not_found(name)
        return str(tenant["tenantId"])

    def _tenant_for_signin(self, name: str) -> str:
        try:
            return self._tenant_for_path(name)
        except AADError as e:
            raise SignInError(e.number, e.description) from None

    async def openid_configuration_v2(self, request: Request) -> Response:
        tenant = self._tenant_for_path(request.path_params["tenant"])
        base = f"https://{request.url.hostname}"
        shown = "{tenantid}" if tenant in self.GENERIC else tenant
        return JSONResponse(
            {
                "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/{shown}/v2.0",
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{base}/{tenant}/oauth2/v2.0/logout",
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "oid", "preferred_username"],
                "kerberos_endpoint": f"{base}/{tenant}/kerberos",
                "tenant_region_scope": "WW",
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com",
                "rbac_url": "https://pas.windows.net",
            }
        )

    async def openid_configuration_v1(self, request: Request) -> Response:
        tenant = self._tenant_for_path(request.path_params["tenant"])
        base = f"https://{request.url.hostname}"
        return JSONResponse(
            {
                "token_endpoint": f"{base}/{tenant}/oauth2/token",
                "jwks_uri": f"{base}/common/discovery/keys",
                "issuer": f"https://sts.windows.net/{tenant}/",
                "authorization_endpoint": f"{base}/{tenant}/oauth2/authorize",
                "device_authorization_endpoint": f"{base}/{tenant}/oauth2/devicecode",
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
                "tenant_region_scope": "WW",
                "cloud_instance_name": "microsoftonline.com",
            }
        )

    async def instance_discovery(self, request: Request) -> Response:
        host = request.url.hostname or "login.microsoftonline.com"
        return JSONResponse(
            {
                "tenant_discovery_endpoint": f"https://{host}/common/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [
                    {
                        "preferred_network": "login.microsoftonline.com",
                        "preferred_cache": "login.windows.net",
                        "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
                    }
                ],
            }
        )

    async def keys(self, request: Request) -> Response:
        return JSONResponse(self.issuer.key.jwks())

    async def user_realm(self, request: Request) -> Response:
        upn = request.path_params["upn"]
        domain = upn.rpartition("@")[2]
        user = self.directory.user(upn)
        known = user is not None or self.directory.tenant_by_domain(domain) is not None
        return JSONResponse(
            {
                "ver": "1.0",
                "account_type": "Managed" if known else "Unknown",
                "domain_name": domain,
                "cloud_instance_name": "microsoftonline.com",
                "cloud_audience_urn": "urn:federation:MicrosoftOnline",
            }
        )

    # ---- tokens -------------------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        tenant = self._tenant_for_path(request.path_params["tenant"])
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        if request.headers.get("authorization", "").lower().startswith("basic "):
            import base64

            raw = base64.b64decode(request.headers["authorization"][6:]).decode("utf-8", "replace")
            cid, _, csecret = raw.partition(":")
            form.setdefault("client_id", cid)
            form.setdefault("client_secret", csecret)
        v1 = not request.url.path.endswith("/v2.0/token")
        scope = form.get("scope", "")
        if v1 and form.get("resource"):
            scope = form["resource"].rstrip("/") + "/.default"
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            principal = self._client_credentials(tenant, form)
            return self._token_response(principal, scope, user=False, v1=v1)
        if grant == "password":
            principal = self._password(tenant, form)
            return self._token_response(principal, scope, user=True, client_id=form.get("client_id", CLI_CLIENT_ID))
        if grant == "refresh_token":
            principal = self._refresh(tenant, form)
            return self._token_response(principal, scope, user=True, client_id=form.get("client_id", CLI_CLIENT_ID))
        if grant in ("urn:ietf:params:oauth:grant-type:device_code", "device_code"):
            principal, scope = self._redeem_device_code(form)
            return self._token_response(principal, scope, user=True, client_id=form.get("client_id", CLI_CLIENT_ID))
        if grant == "authorization_code":
            return self._authorization_code(form)
        raise AADError(
            400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'."
        )

    def _authorization_code(self, form: dict[str, str]) -> JSONResponse:
        try:
            principal, scope, nonce = self.codes.redeem(form)
        except GrantError as e:
            raise AADError(e.status, e.error, e.number, e.description) from None
        return self._token_response(principal, scope, user=True, client_id=form["client_id"], nonce=nonce)

    def _client_credentials(self, tenant: str, form: dict[str, str]) -> Principal:
        client_id = form.get("client_id", "")
        app = self.directory.app(client_id)
        if app is None or (tenant not in self.GENERIC and app["tenantId"] != tenant):
            raise AADError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can "
                "happen if the application has not been installed by the administrator of the tenant or consented "
                "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            )
        if "client_secret" not in form:
            raise AADError(
                401, "invalid_client", 7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
        principal = self.directory.authenticate_app(client_id, form["client_secret"])
        if principal is None:
            raise AADError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                f"value, not the client secret ID, for a secret added to app '{client_id}'.",
            )
        return principal

    def _password(self, tenant: str, form: dict[str, str]) -> Principal:
        upn = form.get("username", "")
        user = self.directory.user(upn)
        if user is None or (tenant not in self.GENERIC and user["tenantId"] != tenant):
            raise AADError(
                400, "invalid_grant", 50034,
                f"The user account {upn} does not exist in the {tenant} directory. To sign into this application, "
                "the account must be added to the directory.",
            )
        principal = self.directory.authenticate_user(upn, form.get("password", ""))
        if principal is None:
            raise AADError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
        return principal

    def _refresh(self, tenant: str, form: dict[str, str]) -> Principal:
        try:
            claims = jwt.decode(
                form.get("refresh_token", ""), self.issuer.key.public_key, algorithms=["RS256"],
                audience="urn:vaultlink:refresh", options={"verify_exp": False},
            )
        except jwt.PyJWTError:
            raise AADError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.") from None
        exp = numeric_date(claims.get("exp"))
        if exp is None:
            raise AADError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        if exp < clock.now():
            raise AADError(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity.")
        user = self.directory.user(str(claims["upn"]))
        if user is None:
            raise AADError(400, "invalid_grant", 50034, "The user account does not exist in the directory.")
        if tenant not in self.GENERIC and user["tenantId"] != tenant:
            raise AADError(
                400, "invalid_grant", 50020,
                f"User account '{user['userPrincipalName']}' from identity provider 'live.com' does not exist in "
                f"tenant '{tenant}' and cannot access the application in that tenant.",
            )
        return user_principal(user)

    async def device_code(self, request: Request) -> Response:
        tenant = self._tenant_for_path(request.path_params["tenant"])
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        code = secrets.token_urlsafe(32)
        user_code = secrets.token_hex(4).upper()
        self.device_codes[code] = DeviceCode(tenant, form.get("client_id", CLI_CLIENT_ID), form.get("scope", ""), clock.now() + DEVICE_CODE_LIFETIME)
        uri = "https://microsoft.com/devicelogin"
        return JSONResponse(
            {
                "user_code": user_code,
                "device_code": code,
                "verification_uri": uri,
                "expires_in": DEVICE_CODE_LIFETIME,
                "interval": 1,
                "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} to "
                "authenticate. (vaultlink approves this sign-in at once as the tenant's first user.)",
            }
        )

    def _redeem_device_code(self, form: dict[str, str]) -> tuple[Principal, str]:
        pending = self.device_codes.pop(form.get("device_code", ""), None)
        if pending is None or pending.expires < clock.now():
            raise AADError(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid.")
        candidates = self.directory.users(None if pending.tenant_id in self.GENERIC else pending.tenant_id)
        if not candidates:
            raise AADError(400, "invalid_grant", 50034, "The tenant has no user to approve the sign-in.")
        return user_principal(candidates[0]), form.get("scope") or pending.scope

    def _token_response(
        self, principal: Principal, scope: str, *, user: bool, client_id: str = "", v1: bool = False,
        nonce: str | None = None,
    ) -> JSONResponse:
        resource_scopes = " ".join(s for s in scope.split() if s not in OIDC_SCOPES)
        if not resource_scopes:
            raise AADError(
                400, "invalid_scope", 70011,
                "The provided request must include a 'scope' input parameter.",
            )
        audience = self._owned_resource(resource_from_scope(resource_scopes), principal.tenant_id)
        token, lifetime = self.issuer.access_token(
            tenant_id=principal.tenant_id,
            object_id=principal.object_id,
            app_id=client_id or principal.app_id,
            audience=audience,
            kind="user" if user else "app",
            name=principal.display_name,
            upn=principal.upn,
        )
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": lifetime - 1,
            "ext_expires_in": lifetime - 1,
            "access_token": token,
        }
        if v1:
            now = int(clock.now())
            body.update(expires_on=str(now + lifetime - 1), not_before=str(now), resource=audience)
        if user and principal.upn:
            now = int(clock.now())
            body["scope"] = resource_scopes
            body["refresh_token"] = self.issuer.key.sign(
                {"aud": "urn:vaultlink:refresh", "upn": principal.upn, "tid": principal.tenant_id,
                 "iat": now, "exp": now + REFRESH_LIFETIME, "jti": str(uuid.uuid4())}
            )
            body["id_token"] = self.issuer.id_token(
                tenant_id=principal.tenant_id, object_id=principal.object_id, client_id=client_id,
                upn=principal.upn, name=principal.display_name, nonce=nonce,
            )
            body["client_info"] = client_info(principal.object_id, principal.tenant_id)
        return JSONResponse(body)

    def _owned_resource(self, resource: str, tenant_id: str) -> str:
        """The audience of a token for `resource`; AADSTS500011 for a resource no service of vaultlink's owns."""
        audience = audiences.owned(resource)
        if audience is None:
            raise resource_not_found(resource, self._tenant_name(tenant_id))
        return audience

    def _tenant_name(self, tenant_id: str) -> str:
        tenant = self.directory.tenant(tenant_id)
        return str(tenant.get("displayName") or tenant_id) if tenant else tenant_id

    # ---- managed identity -------------------------------------------------------------------------------
    async def managed_identity_token(self, request: Request) -> Response:
        header = request.headers.get("x-identity-header", "")
        resource = request.query_params.get("resource", "")
        wanted = request.query_params.get("client_id") or request.query_params.get("principal_id")
        identity = None
        for app in self.directory.apps():
            if app["servicePrincipalType"] != "ManagedIdentity":
                continue
            if wanted and wanted not in (app["appId"], app["objectId"]):
                continue
            if self.directory.authenticate_app(app["appId"], header):
                identity = app
                break
        if identity is None:
            return JSONResponse(
                {"statusCode": 400, "message": "No managed identity matches the X-IDENTITY-HEADER and client_id given.",
                 "correlationId": str(uuid.uuid4())},
                status_code=400,
            )
        if not resource:
            return JSONResponse({"statusCode": 400, "message": "The resource parameter is required."}, status_code=400)
        principal = app_principal(identity)
        try:
            audience = self._owned_resource(resource, principal.tenant_id)
        except AADError as e:
            # the App Service identity endpoint's own error shape, Entra's refusal as its message
            return JSONResponse({"statusCode": e.status, "message": f"AADSTS{e.number}: {e.description}",
                                 "correlationId": str(uuid.uuid4())}, status_code=e.status)
        token, lifetime = self.issuer.access_token(
            tenant_id=principal.tenant_id, object_id=principal.object_id, app_id=principal.app_id,
            audience=audience, kind="app", name=principal.display_name,
        )
        return JSONResponse(
            {
                "access_token": token,
                "expires_on": str(int(clock.now()) + lifetime),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": principal.app_id,
            }
        )


async def _aad_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AADError)
    return exc.response()


async def _not_found(request: Request, exc: Exception) -> Response:
    return AADError(404, "invalid_request", 90027, f"The endpoint '{request.url.path}' does not exist.").response()
