"""Graph's $filter subset: eq/ne, startswith/endswith, any() lambdas, and/or/not, parentheses; errors."""

from __future__ import annotations

import pytest

from vaultlink.identity.graphquery import FilterError, parse

APP = {"displayName": "Billing App", "appId": "1234", "servicePrincipalNames": ["1234", "api://billing"]}


@pytest.mark.parametrize(("text", "expected"), [
    ("displayName eq 'billing app'", True),
    ("displayName ne 'Billing App'", False),
    ("startswith(displayName,'Bill')", True),
    ("endswith(displayName,'app')", True),
    ("servicePrincipalNames/any(c:c eq 'api://billing')", True),
    ("servicePrincipalNames/any(c:c eq 'other')", False),
    ("appId eq '1234' and startswith(displayName,'X')", False),
    ("appId eq 'nope' or (not (displayName eq 'x'))", True),
    ("displayName eq 'it''s'", False),
    ("(" * 32 + "appId eq '1234'" + ")" * 32, True),
])
def test_filters(text: str, expected: bool) -> None:
    assert parse(text)(APP) is expected


@pytest.mark.parametrize("bad", ["displayName eq", "displayName gt 'a'", "startswith(displayName)", "(appId eq '1'",
                                 "(" * 33 + "appId eq '1'" + ")" * 33, "not " * 5000 + "appId eq '1'",
                                 "substringof('a', displayName)"])
def test_bad_filters(bad: str) -> None:
    with pytest.raises(FilterError):
        parse(bad)
