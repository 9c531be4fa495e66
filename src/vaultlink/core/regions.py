"""The locations ARM lists (`GET /subscriptions/{s}/locations`, `az account list-locations`), in ARM's order:
physical regions (where resource groups and resources live, canary regions such as eastus2euap and
centraluseuap included) and logical ones (stage and geography names, which hold no resources).

Sources:
- Names, display names, regional display names, region type and category, geography group, latitude,
  longitude, physical location and paired region: Azure's own answer to `az account list-locations`
  (GET .../locations?api-version=2019-11-01, 2022-01-24), recorded in the Azure CLI's scenario tests
  (Azure/azure-cli, src/azure-cli/azure/cli/command_modules/profile/tests/latest/recordings/test_list_locations.yaml).
- The order, the category (Recommended regions are listed first) and the regions opened since (Indonesia
  Central, Italy North, Poland Central, ...: their metadata beyond names is not in that recording and is left
  empty): `az account list-locations -o table` against Azure in 2025, as a user published it.
- `geography` (a field of api-versions from 2022-12-01, not in the 2022 recording) is the region's country or
  area, by Azure's geography names. [inferred]
- `dns_code`: the short code in Key Vault's public DNS chain (data-prod-<code>.vaultcore.azure.net,
  data-prod-<code>-region.vaultcore.azure.net, azkms-prod-<code>-b.<region>.cloudapp.azure.com). Seen in
  Azure's own answers, as published:
  - eastus `eus`: Microsoft Learn, key-vault/general/private-link-diagnostics.md (nslookup and host output);
  - westeurope `weu`: Microsoft Learn's AKS troubleshooting of the Key Vault secrets store CSI driver (nslookup
    from a node: data-prod-weu, data-prod-weu-region, azkms-prod-weu-b.westeurope.cloudapp.azure.com), and an
    infrastructure-as-code workshop's nslookup from a PC (data-prod-weu, data-prod-weu-region);
  - southeastasia `sea`: an AKS operator's published DNS probe of a vault behind a private endpoint (2026);
  - canadacentral `cca`: a published hub-and-spoke Key Vault walkthrough's nslookup (data-prod-cca,
    data-prod-cca-region).
  The others follow Azure's usual abbreviations (eus2, wus2, ncus, ...) and are [UNCONFIRMED].
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    display_name: str
    geography_group: str | None
    """The group in parentheses of the regional display name ("US", "Europe"); None for geographies."""
    dns_code: str
    region_type: str = "Physical"
    category: str = "Recommended"
    geography: str | None = None
    physical_location: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    paired: tuple[str, ...] = ()

    @property
    def regional_display_name(self) -> str:
        return f"({self.geography_group}) {self.display_name}" if self.geography_group else self.display_name

    @property
    def physical(self) -> bool:
        return self.region_type == "Physical"


US, EU, AP = "US", "Europe", "Asia Pacific"
OTHER = "Other"


def _r(name: str, display: str, group: str, code: str, geography: str, place: str | None = None,
       lat: str | None = None, long: str | None = None, paired: tuple[str, ...] = (), category: str = "Recommended",
       ) -> Region:
    return Region(name, display, group, code, "Physical", category, geography, place, lat, long, paired)


def _stage(name: str, display: str, group: str) -> Region:
    return Region(name, display, group, name, "Logical", OTHER)


def _geo(name: str, display: str) -> Region:
    return Region(name, display, None, name, "Logical", OTHER)


LOCATIONS: dict[str, Region] = {
    r.name: r
    for r in (
        _r("eastus", "East US", US, "eus", "United States", "Virginia", "37.3719", "-79.8164", ("westus",)),
        _r("southcentralus", "South Central US", US, "scus", "United States", "Texas", "29.4167", "-98.5",
           ("northcentralus",)),
        _r("westus2", "West US 2", US, "wus2", "United States", "Washington", "47.233", "-119.852", ("westcentralus",)),
        _r("westus3", "West US 3", US, "wus3", "United States", "Phoenix", "33.448376", "-112.074036", ("eastus",)),
        _r("australiaeast", "Australia East", AP, "ae", "Australia", "New South Wales", "-33.86", "151.2094",
           ("australiasoutheast",)),
        _r("southeastasia", "Southeast Asia", AP, "sea", "Asia Pacific", "Singapore", "1.283", "103.833", ("eastasia",)),
        _r("northeurope", "North Europe", EU, "ne", "Europe", "Ireland", "53.3478", "-6.2597", ("westeurope",)),
        _r("swedencentral", "Sweden Central", EU, "sec", "Sweden", "Gävle", "60.67488", "17.14127", ("swedensouth",)),
        _r("uksouth", "UK South", EU, "uks", "United Kingdom", "London", "50.941", "-0.799", ("ukwest",)),
        _r("westeurope", "West Europe", EU, "weu", "Europe", "Netherlands", "52.3667", "4.9", ("northeurope",)),
        _r("centralus", "Central US", US, "cus", "United States", "Iowa", "41.5908", "-93.6208", ("eastus2",)),
        _r("southafricanorth", "South Africa North", "Africa", "san", "South Africa", "Johannesburg", "-25.731340",
           "28.218370", ("southafricawest",)),
        _r("centralindia", "Central India", AP, "inc", "India", "Pune", "18.5822", "73.9197", ("southindia",)),
        _r("eastasia", "East Asia", AP, "ea", "Asia Pacific", "Hong Kong", "22.267", "114.188", ("southeastasia",)),
        _r("indonesiacentral", "Indonesia Central", AP, "idc", "Indonesia"),
        _r("japaneast", "Japan East", AP, "jpe", "Japan", "Tokyo, Saitama", "35.68", "139.77", ("japanwest",)),
        _r("japanwest", "Japan West", AP, "jpw", "Japan", "Osaka", "34.6939", "135.5022", ("japaneast",)),
        _r("koreacentral", "Korea Central", AP, "krc", "Korea", "Seoul", "37.5665", "126.9780", ("koreasouth",)),
        _r("malaysiawest", "Malaysia West", AP, "myw", "Malaysia"),
        _r("newzealandnorth", "New Zealand North", AP, "nzn", "New Zealand"),
        _r("canadacentral", "Canada Central", "Canada", "cca", "Canada", "Toronto", "43.653", "-79.383", ("canadaeast",)),
        _r("francecentral", "France Central", EU, "frc", "France", "Paris", "46.3772", "2.3730", ("francesouth",)),
        _r("germanywestcentral", "Germany West Central", EU, "gwc", "Germany", "Frankfurt", "50.110924", "8.682127",
           ("germanynorth",)),
        _r("italynorth", "Italy North", EU, "itn", "Italy"),
        _r("norwayeast", "Norway East", EU, "nwe", "Norway", "Norway", "59.913868", "10.752245", ("norwaywest",)),
        _r("polandcentral", "Poland Central", EU, "plc", "Poland"),
        _r("spaincentral", "Spain Central", EU, "spc", "Spain"),
        _r("switzerlandnorth", "Switzerland North", EU, "szn", "Switzerland", "Zurich", "47.451542", "8.564572",
           ("switzerlandwest",)),
        _r("mexicocentral", "Mexico Central", "Mexico", "mxc", "Mexico"),
        _r("uaenorth", "UAE North", "Middle East", "uan", "UAE", "Dubai", "25.266666", "55.316666", ("uaecentral",)),
        _r("brazilsouth", "Brazil South", "South America", "brs", "Brazil", "Sao Paulo State", "-23.55", "-46.633",
           ("southcentralus",)),
        _r("chilecentral", "Chile Central", "South America", "clc", "Chile"),
        _r("eastus2euap", "East US 2 EUAP", US, "eus2euap", "Canary (US)", None, "36.6681", "-78.3889",
           ("centraluseuap",)),
        _r("israelcentral", "Israel Central", "Middle East", "ilc", "Israel"),
        _r("qatarcentral", "Qatar Central", "Middle East", "qac", "Qatar", "Doha", "25.551462", "51.439327",
           ("westeurope",)),
        _stage("centralusstage", "Central US (Stage)", US),
        _stage("eastusstage", "East US (Stage)", US),
        _stage("eastus2stage", "East US 2 (Stage)", US),
        _stage("northcentralusstage", "North Central US (Stage)", US),
        _stage("southcentralusstage", "South Central US (Stage)", US),
        _stage("westusstage", "West US (Stage)", US),
        _stage("westus2stage", "West US 2 (Stage)", US),
        _geo("asia", "Asia"), _geo("asiapacific", "Asia Pacific"), _geo("australia", "Australia"),
        _geo("brazil", "Brazil"), _geo("canada", "Canada"), _geo("europe", "Europe"), _geo("france", "France"),
        _geo("germany", "Germany"), _geo("global", "Global"), _geo("india", "India"), _geo("indonesia", "Indonesia"),
        _geo("israel", "Israel"), _geo("italy", "Italy"), _geo("japan", "Japan"), _geo("korea", "Korea"),
        _geo("malaysia", "Malaysia"), _geo("mexico", "Mexico"), _geo("newzealand", "New Zealand"),
        _geo("norway", "Norway"), _geo("poland", "Poland"), _geo("qatar", "Qatar"), _geo("singapore", "Singapore"),
        _geo("southafrica", "South Africa"), _geo("spain", "Spain"), _geo("sweden", "Sweden"),
        _geo("switzerland", "Switzerland"), _geo("taiwan", "Taiwan"), _geo("uae", "United Arab Emirates"),
        _geo("uk", "United Kingdom"), _geo("unitedstates", "United States"),
        _geo("unitedstateseuap", "United States EUAP"),
        _stage("eastasiastage", "East Asia (Stage)", AP),
        _stage("southeastasiastage", "Southeast Asia (Stage)", AP),
        _r("brazilus", "Brazil US", "South America", "bru", "Brazil", category=OTHER),
        _r("eastus2", "East US 2", US, "eus2", "United States", "Virginia", "36.6681", "-78.3889", ("centralus",),
           category=OTHER),
        _r("eastusstg", "East US STG", US, "eusstg", "United States", category=OTHER),
        _r("northcentralus", "North Central US", US, "ncus", "United States", "Illinois", "41.8819", "-87.6278",
           ("southcentralus",), category=OTHER),
        _r("westus", "West US", US, "wus", "United States", "California", "37.783", "-122.417", ("eastus",),
           category=OTHER),
        _r("jioindiawest", "Jio India West", AP, "jiw", "India", "Jamnagar", "22.470701", "70.05773",
           ("jioindiacentral",), category=OTHER),
        _r("centraluseuap", "Central US EUAP", US, "cuseuap", "Canary (US)", None, "41.5908", "-93.6208",
           ("eastus2euap",), category=OTHER),
        _r("southcentralusstg", "South Central US STG", US, "scusstg", "United States", category=OTHER),
        _r("westcentralus", "West Central US", US, "wcus", "United States", "Wyoming", "40.890", "-110.234",
           ("westus2",), category=OTHER),
        _r("southafricawest", "South Africa West", "Africa", "saw", "South Africa", "Cape Town", "-34.075691",
           "18.843266", ("southafricanorth",), category=OTHER),
        _r("australiacentral", "Australia Central", AP, "acl", "Australia", "Canberra", "-35.3075", "149.1244",
           ("australiacentral",), category=OTHER),
        _r("australiacentral2", "Australia Central 2", AP, "acl2", "Australia", "Canberra", "-35.3075", "149.1244",
           ("australiacentral2",), category=OTHER),
        _r("australiasoutheast", "Australia Southeast", AP, "ase", "Australia", "Victoria", "-37.8136", "144.9631",
           ("australiaeast",), category=OTHER),
        _r("jioindiacentral", "Jio India Central", AP, "jic", "India", "Nagpur", "21.146633", "79.08886",
           ("jioindiawest",), category=OTHER),
        _r("koreasouth", "Korea South", AP, "krs", "Korea", "Busan", "35.1796", "129.0756", ("koreacentral",),
           category=OTHER),
        _r("southindia", "South India", AP, "ins", "India", "Chennai", "12.9822", "80.1636", ("centralindia",),
           category=OTHER),
        _r("westindia", "West India", AP, "inw", "India", "Mumbai", "19.088", "72.868", ("southindia",),
           category=OTHER),
        _r("canadaeast", "Canada East", "Canada", "cae", "Canada", "Quebec", "46.817", "-71.217", ("canadacentral",),
           category=OTHER),
        _r("francesouth", "France South", EU, "frs", "France", "Marseille", "43.8345", "2.1972", ("francecentral",),
           category=OTHER),
        _r("germanynorth", "Germany North", EU, "gn", "Germany", "Berlin", "53.073635", "8.806422",
           ("germanywestcentral",), category=OTHER),
        _r("norwaywest", "Norway West", EU, "nww", "Norway", "Norway", "58.969975", "5.733107", ("norwayeast",),
           category=OTHER),
        _r("switzerlandwest", "Switzerland West", EU, "szw", "Switzerland", "Geneva", "46.204391", "6.143158",
           ("switzerlandnorth",), category=OTHER),
        _r("ukwest", "UK West", EU, "ukw", "United Kingdom", "Cardiff", "53.427", "-3.084", ("uksouth",),
           category=OTHER),
        _r("uaecentral", "UAE Central", "Middle East", "uac", "UAE", "Abu Dhabi", "24.466667", "54.366669",
           ("uaenorth",), category=OTHER),
        _r("brazilsoutheast", "Brazil Southeast", "South America", "bse", "Brazil", "Rio", "-22.90278", "-43.2075",
           ("brazilsouth",), category=OTHER),
        # In the 2022 recording, not in the 2025 list (a region not every subscription is offered).
        _r("swedensouth", "Sweden South", EU, "ses", "Sweden", "Malmo", "55.6059", "13.0007", ("swedencentral",),
           category=OTHER),
    )
}

REGIONS: dict[str, Region] = {name: r for name, r in LOCATIONS.items() if r.physical}
"""The physical regions: where resource groups and resources may be placed."""


def normalize(location: str) -> str:
    """'East US' and 'eastus' name the same region, as ARM accepts both."""
    return location.replace(" ", "").lower()


def find(location: str) -> Region | None:
    """The physical region a location names (by name or display name), or None."""
    return REGIONS.get(normalize(location))
