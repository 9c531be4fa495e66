"""The portal app: its routes, the resolve and diagnose callables the runtime injects, and the loopback site.

Pages live in `pages/`, one module per area, each a thin map from a page to the ARM calls it makes. Resource
pages are addressed as `/resource{resource id}/{blade}` and found by resource type and blade in `RESOURCE_PAGES`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from vaultlink.core.asgi import ASGIApp, Receive, Scope, Send
from vaultlink.core.ids import ResourceId
from vaultlink.portal import signin
from vaultlink.portal.arm import in_process
from vaultlink.portal.deploy import Deployments
from vaultlink.portal.lookup import Resolve
from vaultlink.portal.pages import (
    deployments,
    diagnose,
    dnszones,
    endpoints,
    home,
    lookup,
    networking,
    nics,
    topology,
    vaults,
    vnets,
)
from vaultlink.portal.pages.diagnose import Diagnose
from vaultlink.portal.sessions import Session, Sessions
from vaultlink.portal.web import Handler, page

RESOURCE_PAGES: dict[tuple[str, str, str], Handler] = {
    **vaults.RESOURCE_PAGES, **networking.RESOURCE_PAGES, **vnets.RESOURCE_PAGES, **endpoints.RESOURCE_PAGES,
    **nics.RESOURCE_PAGES, **dnszones.RESOURCE_PAGES, **topology.RESOURCE_PAGES, **diagnose.RESOURCE_PAGES,
}
"""(method, resource type lower-cased, blade) -> page."""


class Portal:
    """The portal, a client of ARM and Entra through their ASGI apps."""

    def __init__(self, arm: ASGIApp, login: ASGIApp, resolve: Resolve, diagnose: Diagnose | None = None) -> None:
        self.arm_http = in_process(arm)
        self.login_http = in_process(login)
        self.resolve = resolve
        self.diagnose = diagnose
        self.sessions = Sessions()
        self.deployments = Deployments()
        self.app = Starlette(routes=self._routes())
        self.app.state.portal = self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def access_token(self, session: Session) -> str | None:
        return await signin.refresh(self, session)

    def _routes(self) -> list[Route | Mount]:
        return [
            Mount("/static", StaticFiles(directory=str(files("vaultlink.portal") / "static")), name="static"),
            Route("/signin", signin.signin),
            Route("/signout", signin.signout, methods=["POST"]),
            Route("/signedout", signin.signed_out),
            Route("/", page(home.home)),
            Route("/search", page(home.search)),
            Route("/browse/{service}", page(home.browse)),
            Route("/create/virtualnetwork", page(vnets.create), methods=["GET", "POST"]),
            Route("/create/keyvault", page(vaults.create), methods=["GET", "POST"]),
            Route("/create/keyvault/name", page(vaults.name_availability)),
            Route("/create/privateendpoint", page(endpoints.create), methods=["GET", "POST"]),
            Route("/create/privatednszone", page(dnszones.create), methods=["POST"]),
            Route("/deployments/{deployment}", page(deployments.show)),
            Route("/resolve", page(lookup.resolve_from)),
            Route("/diagnose", page(diagnose.landing)),
            Route("/resource/{rest:path}", self._resource, methods=["GET", "POST"]),
        ]

    async def _resource(self, request: Request) -> Response:
        path = unquote(request.path_params["rest"])
        resource, _, blade_name = ("/" + path).rpartition("/")
        rid = ResourceId.try_parse(resource)
        handler = RESOURCE_PAGES.get((request.method, rid.type.lower(), blade_name.lower())) if rid else None
        if rid is None or handler is None:
            return PlainTextResponse(f"The portal has no page '{blade_name}' for '{resource}'.", status_code=404)
        request.state.resource_id = str(rid)
        return await page(handler)(request)


def loopback_site(portal: ASGIApp, login: ASGIApp, rest: ASGIApp) -> ASGIApp:
    """The portal on a plain loopback address, with Entra's sign-in pages under /login.microsoftonline.com/
    (a browser without vaultlink's proxy cannot reach that host); the managed-identity endpoint stays at /msi/."""
    prefix = signin.LOOPBACK_LOGIN_PREFIX

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if path.startswith("/msi/"):
            await rest(scope, receive, send)
        elif path.startswith(prefix + "/"):
            inner: dict[str, Any] = dict(scope, path=path[len(prefix):], raw_path=None, root_path="")
            await login(inner, receive, send)
        else:
            await portal(scope, receive, send)

    return app


PageFunction = Callable[[Request], Awaitable[Response]]
