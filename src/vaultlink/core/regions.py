"""Azure regions vaultlink knows: the name ARM uses, the display name, and the short code in Key Vault's
public DNS chain (data-prod-<code>.vaultcore.azure.net)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    display_name: str
    dns_code: str
    geography: str


REGIONS: dict[str, Region] = {
    r.name: r
    for r in (
        Region("eastus", "East US", "eus", "United States"),
        Region("eastus2", "East US 2", "eus2", "United States"),
        Region("centralus", "Central US", "cus", "United States"),
        Region("northcentralus", "North Central US", "ncus", "United States"),
        Region("southcentralus", "South Central US", "scus", "United States"),
        Region("westus", "West US", "wus", "United States"),
        Region("westus2", "West US 2", "wus2", "United States"),
        Region("westus3", "West US 3", "wus3", "United States"),
        Region("canadacentral", "Canada Central", "cac", "Canada"),
        Region("brazilsouth", "Brazil South", "brs", "Brazil"),
        Region("northeurope", "North Europe", "ne", "Europe"),
        Region("westeurope", "West Europe", "we", "Europe"),
        Region("uksouth", "UK South", "uks", "United Kingdom"),
        Region("francecentral", "France Central", "frc", "France"),
        Region("germanywestcentral", "Germany West Central", "gwc", "Germany"),
        Region("swedencentral", "Sweden Central", "sec", "Sweden"),
        Region("switzerlandnorth", "Switzerland North", "szn", "Switzerland"),
        Region("eastasia", "East Asia", "ea", "Asia Pacific"),
        Region("southeastasia", "Southeast Asia", "sea", "Asia Pacific"),
        Region("japaneast", "Japan East", "jpe", "Japan"),
        Region("australiaeast", "Australia East", "ae", "Australia"),
        Region("centralindia", "Central India", "inc", "India"),
        Region("koreacentral", "Korea Central", "krc", "Korea"),
        Region("southafricanorth", "South Africa North", "san", "South Africa"),
        Region("uaenorth", "UAE North", "uan", "UAE"),
    )
}


def normalize(location: str) -> str:
    """'East US' and 'eastus' name the same region, as ARM accepts both."""
    return location.replace(" ", "").lower()


def find(location: str) -> Region | None:
    return REGIONS.get(normalize(location))
