"""One error tree for every plane.

Each class is one Azure error: the class name is the error code (unless `code` says otherwise, as when two
planes share a code), `status` is the HTTP status, and the docstring is the default message, a template whose
`{fields}` are filled from the keyword arguments. Each plane renders its own envelope from these values.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AzureError(Exception):
    """An error occurred."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = ""
    inner_code: ClassVar[str | None] = None
    _declared: ClassVar[bool] = False

    def __init__(self, message: str | None = None, *, target: str | None = None, **fields: Any) -> None:
        template = " ".join((type(self).__doc__ or "").split())
        self.message = message if message is not None else template.format(**fields)
        self.target = target
        self.fields = fields
        super().__init__(self.message)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A class that declares `code` names a family (Forbidden, BadParameter): its subclasses keep that code
        and differ in message and inner code. Otherwise the class name is the code."""
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            cls._declared = True
        elif not getattr(cls, "_declared", False):
            cls.code = cls.__name__

    def envelope(self) -> dict[str, Any]:
        """The ARM body: {"error": {"code", "message"[, "target"]}}."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.inner_code:
            error["innererror"] = {"code": self.inner_code}
        return {"error": error}


# ---- 400: the request itself is wrong -------------------------------------------------------------------

class BadRequest(AzureError):
    """The request is invalid."""

    status = 400


class MissingApiVersionParameter(BadRequest):
    """The api-version query parameter (?api-version=) is required for all requests."""


class InvalidApiVersionParameter(BadRequest):
    """The api-version '{version}' is invalid. The supported versions are '{supported}'."""


class NoRegisteredProviderFound(BadRequest):
    """No registered resource provider found for location '{location}' and API version '{version}' for type
    '{type}'. The supported api-versions are '{supported}'."""


class InvalidRequestContent(BadRequest):
    """The request content was invalid and could not be deserialized: '{detail}'."""


class InvalidRequestFormat(BadRequest):
    """Cannot parse the request."""


class InvalidResourceGroup(BadRequest):
    """The provided resource group name '{name}' has these invalid characters: '{chars}'. The name can only be
    a letter, digit, '-', '.', '(', ')' or '_'."""


class InvalidResourceName(BadRequest):
    """Resource name {name} is invalid. The name can be up to 80 characters long. It must begin with a word
    character, and it must end with a word character or with '_'. The name may contain word characters or '.',
    '-', '_'."""


class LocationRequired(BadRequest):
    """The location property is required for this definition."""


class LocationNotAvailableForResourceGroup(BadRequest):
    """The provided location '{location}' is not available for resource group. List of available regions is
    '{available}'."""


class InvalidParameter(BadRequest):
    """The value '{value}' of parameter '{name}' is invalid."""


class MissingRequiredParameter(BadRequest):
    """The parameter '{name}' is required."""


# ---- 401 / 403: who is asking -----------------------------------------------------------------------------

class AuthenticationFailed(AzureError):
    """Authentication failed. The 'Authorization' header is missing."""

    status = 401


class InvalidAuthenticationToken(AuthenticationFailed):
    """The access token is invalid."""


class ExpiredAuthenticationToken(AuthenticationFailed):
    """The access token expiry UTC time '{expired}' is earlier than current UTC time '{now}'."""


class InvalidAuthenticationTokenAudience(AuthenticationFailed):
    """The access token has been obtained for wrong audience or resource '{audience}'. It should exactly match
    with one of the allowed audiences {allowed}."""


class InvalidAuthenticationTokenTenant(AuthenticationFailed):
    """The access token is from the wrong issuer '{issuer}'. It must match the tenant '{expected}' associated
    with this subscription. Please use the authority (URL) 'https://login.windows.net/{tenant}' to get the
    token. Note, if the subscription is transferred to another tenant there is no impact to the services, but
    information about new tenant could take time to propagate (up to an hour). If you just transferred your
    subscription and see this error message, please try back later."""


class AuthorizationFailed(AzureError):
    """The client '{client}' with object id '{object_id}' does not have authorization to perform action
    '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh
    your credentials."""

    status = 403


# ---- 404 / 405 / 409 / 412 / 413 ------------------------------------------------------------------------

class NotFound(AzureError):
    """The requested resource was not found."""

    status = 404


class SubscriptionNotFound(NotFound):
    """The subscription '{subscription}' could not be found."""


class ResourceGroupNotFound(NotFound):
    """Resource group '{name}' could not be found."""


class ResourceNotFound(NotFound):
    """The Resource '{type}/{name}' under resource group '{group}' was not found. For more details please go
    to https://aka.ms/ARMResourceNotFoundFix"""


class InvalidResourceType(NotFound):
    """The resource type '{type}' could not be found in the namespace '{namespace}' for api version
    '{version}'."""


class InvalidResourceNamespace(NotFound):
    """The resource namespace '{namespace}' is invalid."""


class PathNotFound(NotFound):
    """The requested path '{path}' does not exist."""

    code = "NotFound"


class OperationNotFound(NotFound):
    """The operation '{operation}' could not be found."""


class HttpMethodNotSupported(AzureError):
    """The HTTP method '{method}' is not supported for '{path}'."""

    status = 405


class Conflict(AzureError):
    """The request conflicts with the current state of the resource."""

    status = 409


class PreconditionFailed(AzureError):
    """The condition '{condition}' in the request header did not match the current state of the resource."""

    status = 412


class RequestEntityTooLarge(AzureError):
    """The request content size {size} exceeds the maximum size of {limit} bytes."""

    status = 413


class NotSupported(AzureError):
    """vaultlink does not support {what}."""

    status = 400
    code = "NotSupported"


class InternalServerError(AzureError):
    """The server encountered an internal error. Request id: {request_id}."""

    status = 500


class InvalidResourceGroupLocation(Conflict):
    """Invalid resource group location '{location}'. The Resource group already exists in location '{existing}'."""


class InvalidFilterInQueryString(BadRequest):
    """vaultlink does not support the filter '{clause}': {supported}."""


class InvalidTag(BadRequest):
    """The tags are invalid: {detail}"""
