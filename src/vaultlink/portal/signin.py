"""Signing in to the portal: the authorization code flow with PKCE against vaultlink's Entra.

`/signin` starts it (state, nonce and a code verifier kept in the server-side session) and sends the browser
to the authorize page; Entra sends it back to `/signin` with the code, which is exchanged at the token
endpoint over the in-process route (the code, the verifier, the same redirect URI). The refresh token renews
the ARM token when it expires. `/signout` ends the session.

Through the edge the portal is https://portal.azure.com and the authorize page is login.microsoftonline.com's.
On the plain loopback address there is no proxy to reach that host, so the same Entra app answers on the
portal's own origin under /login.microsoftonline.com/ (see `loopback_site` in app.py).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from vaultlink.core.clock import clock
from vaultlink.identity.authorize import PORTAL_CLIENT_ID, s256
from vaultlink.portal.sessions import COOKIE, IDLE_LIFETIME, Session
from vaultlink.portal.web import SECURITY_HEADERS, TEMPLATES, Form

if TYPE_CHECKING:
    from vaultlink.portal.app import Portal

TENANT = "organizations"
SCOPE = "https://management.core.windows.net//.default openid profile offline_access"
LOGIN = "https://login.microsoftonline.com"
LOOPBACK_LOGIN_PREFIX = "/login.microsoftonline.com"
PORTAL_HOST = "portal.azure.com"


def origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def authority(request: Request) -> str:
    """Where the browser finds the sign-in page: Entra's host through the proxy, else the portal's own origin."""
    if request.url.hostname == PORTAL_HOST:
        return LOGIN
    return origin(request) + LOOPBACK_LOGIN_PREFIX


def _cookie(response: Response, request: Request, session: Session) -> Response:
    response.set_cookie(COOKIE, session.id, max_age=IDLE_LIFETIME, path="/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
    return response


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


async def signin(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    session = portal.sessions.find(request.cookies.get(COOKIE)) or portal.sessions.create()
    params = request.query_params
    if "code" in params or "error" in params:
        return await _finish(request, portal, session)
    verifier = secrets.token_urlsafe(48)
    session.pending = {"state": secrets.token_urlsafe(24), "verifier": verifier, "nonce": secrets.token_urlsafe(16),
                       "next": _safe_next(params.get("next", "/"))}
    query = urlencode({
        "client_id": PORTAL_CLIENT_ID, "response_type": "code", "redirect_uri": origin(request) + "/signin",
        "scope": SCOPE, "state": session.pending["state"], "nonce": session.pending["nonce"],
        "code_challenge": s256(verifier), "code_challenge_method": "S256", "response_mode": "query",
    })
    target = f"{authority(request)}/{TENANT}/oauth2/v2.0/authorize?{query}"
    return _cookie(RedirectResponse(target, status_code=302, headers=SECURITY_HEADERS), request, session)


async def _finish(request: Request, portal: Portal, session: Session) -> Response:
    params = request.query_params
    pending, session.pending = session.pending, None
    if pending is None or params.get("state") != pending["state"]:
        return _problem("The sign-in answer does not belong to a sign-in this browser started. Sign in again.")
    if "error" in params:
        return _problem(f"{params.get('error')}: {params.get('error_description', '')}")
    reply = await portal.login_http.post(f"{LOGIN}/{TENANT}/oauth2/v2.0/token", data={
        "grant_type": "authorization_code", "client_id": PORTAL_CLIENT_ID, "code": params.get("code", ""),
        "redirect_uri": origin(request) + "/signin", "code_verifier": pending["verifier"], "scope": SCOPE,
    })
    body = reply.json()
    if reply.status_code != 200:
        return _problem(str(body.get("error_description", body)).split("\r\n")[0])
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})  # just received from Entra itself
    if claims.get("nonce") != pending["nonce"]:
        return _problem("The sign-in answer's nonce does not match. Sign in again.")
    session.user = {"upn": claims.get("preferred_username", ""), "name": claims.get("name", ""),
                    "tenantId": claims.get("tid", ""), "objectId": claims.get("oid", "")}
    _keep_tokens(session, body)
    return _cookie(RedirectResponse(pending["next"], status_code=302, headers=SECURITY_HEADERS), request, session)


def _keep_tokens(session: Session, body: dict[str, Any]) -> None:
    session.access_token = body["access_token"]
    session.token_expires = clock.now() + int(body.get("expires_in", 3599))
    session.refresh_token = body.get("refresh_token", session.refresh_token)


async def refresh(portal: Portal, session: Session) -> str | None:
    """The session's ARM token, renewed with the refresh token when it is about to expire; None to sign in."""
    if session.access_token and session.token_expires > clock.now() + 60:
        return session.access_token
    if not session.refresh_token:
        return None
    reply = await portal.login_http.post(f"{LOGIN}/{TENANT}/oauth2/v2.0/token", data={
        "grant_type": "refresh_token", "client_id": PORTAL_CLIENT_ID, "refresh_token": session.refresh_token,
        "scope": SCOPE})
    if reply.status_code != 200:
        session.user = None
        return None
    _keep_tokens(session, reply.json())
    return session.access_token


async def signout(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    session = portal.sessions.find(request.cookies.get(COOKIE))
    if session is not None and session.csrf_ok(Form(await request.body()).get("csrf")):
        portal.sessions.end(session)
    response = RedirectResponse("/signedout", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path="/")
    return response


async def signed_out(request: Request) -> Response:
    return HTMLResponse(TEMPLATES.get_template("signedout.html").render(), headers=SECURITY_HEADERS)


def _problem(message: str) -> Response:
    body = TEMPLATES.get_template("signin_problem.html").render(message=message, again="/signin?next=" + quote("/"))
    return HTMLResponse(body, status_code=400, headers=SECURITY_HEADERS)
