"""Every control-plane route: Microsoft.Resources first (its generic `{namespace}` routes lose to any provider's
literal ones anyway), then each provider's table. Each route names its Azure operation id."""

from __future__ import annotations

from vaultlink.arm.dispatch import Route
from vaultlink.arm.providers.authorization.routes import routes as authorization_routes
from vaultlink.arm.providers.compute.routes import routes as compute_routes
from vaultlink.arm.providers.dnsresolver.routes import routes as dnsresolver_routes
from vaultlink.arm.providers.keyvault.routes import routes as keyvault_routes
from vaultlink.arm.providers.network.routes import routes as network_routes
from vaultlink.arm.providers.privatedns.routes import routes as privatedns_routes
from vaultlink.arm.providers.resources.deployments import Deployments
from vaultlink.arm.providers.resources.routes import deployment_routes
from vaultlink.arm.providers.resources.routes import routes as resource_routes
from vaultlink.arm.providers.resources.service import ResourceManager
from vaultlink.arm.services import Services


def arm_routes(services: Services, deployments: Deployments) -> list[Route]:
    routes = resource_routes(ResourceManager(services)) + deployment_routes(deployments)
    for provider in (keyvault_routes, network_routes, privatedns_routes, authorization_routes, compute_routes,
                     dnsresolver_routes):
        routes += provider(services)
    return routes
