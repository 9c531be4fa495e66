"""`vaultlink diagnose export-script VAULT -g RG`: the bash script of plain `az` commands that exports what the
checks read from real Azure, one JSON file per command, into a directory that `vaultlink diagnose --state DIR`
(and `vaultlink import DIR`) read anywhere, with no access to Azure.

The script only reads (show and list commands). It writes `manifest.json` last, so a directory without one is
an export that did not finish. The role assignments at the vault are optional: listing them needs the right
to read role assignments, and when that fails the script says so and the checks of data-plane permission
report that they cannot decide.
"""

from __future__ import annotations

import shlex

from vaultlink.diagnose import exported as files


def export_script(vault: str, group: str, *, subscription: str | None = None, directory: str | None = None) -> str:
    """The script, with the vault, its group and the default directory filled in."""
    q = shlex.quote
    default_dir = directory or f"vaultlink-export-{vault}"
    subscription_line = (f"SUBSCRIPTION=${{SUBSCRIPTION:-{q(subscription)}}}" if subscription else
                         'SUBSCRIPTION=${SUBSCRIPTION:-$("$AZ" account show --query id -o tsv)}')
    return f"""#!/usr/bin/env bash
# Exports what `vaultlink diagnose --state DIR {vault}` reads: the key vault {vault} (resource group {group}),
# the private endpoints, their network interfaces and DNS zone groups, the virtual networks, the private DNS
# zones with their virtual network links and record sets, and (optional) the role assignments at the vault.
# Every command only reads. Run it where az is signed in to the vault's subscription:
#   bash export.sh [DIR]          (DIR defaults to {default_dir})
# then copy DIR anywhere and run `vaultlink diagnose --state DIR {vault}` there.
set -euo pipefail
AZ=${{AZ:-az}}
DIR=${{1:-{q(default_dir)}}}
VAULT={q(vault)}
GROUP={q(group)}
{subscription_line}
SUBSCRIPTION=${{SUBSCRIPTION%$'\\r'}}
mkdir -p "$DIR/{files.NICS}" "$DIR/{files.PRIVATE_DNS}" "$DIR/{files.ZONE_GROUPS}"
rm -f "$DIR/{files.MANIFEST}"

"$AZ" keyvault show --subscription "$SUBSCRIPTION" --name "$VAULT" --resource-group "$GROUP" -o json > "$DIR/{files.KEYVAULT}"
"$AZ" network private-endpoint list --subscription "$SUBSCRIPTION" -o json > "$DIR/{files.ENDPOINTS}"
"$AZ" network vnet list --subscription "$SUBSCRIPTION" -o json > "$DIR/{files.VNETS}"
"$AZ" network private-dns zone list --subscription "$SUBSCRIPTION" -o json > "$DIR/{files.ZONES}"

# The loops take the ids from the files just written (grep: az prints one id per line), so each per-item file
# is of an item in the lists; the commands inside them read nothing (< /dev/null), so none takes the next id.
ids() {{ {{ grep -oi '"/subscriptions/[^"]*/providers/Microsoft.Network/'"$2"'/[^"/]*"' "$1" || true; }} | tr -d '"' | sort -uf; }}
group_of() {{ local rg=${{1#*/[rR][eE][sS][oO][uU][rR][cC][eE][gG][rR][oO][uU][pP][sS]/}}; echo "${{rg%%/*}}"; }}

# Each private endpoint's DNS zone groups (the records they write), and each endpoint's network interface.
ids "$DIR/{files.ENDPOINTS}" privateEndpoints | while IFS= read -r pe; do
  "$AZ" network private-endpoint dns-zone-group list --subscription "$SUBSCRIPTION" --resource-group "$(group_of "$pe")" \\
    --endpoint-name "${{pe##*/}}" -o json < /dev/null > "$DIR/{files.ZONE_GROUPS}/$(group_of "$pe").${{pe##*/}}.json"
done
ids "$DIR/{files.ENDPOINTS}" networkInterfaces | while IFS= read -r nic; do
  "$AZ" network nic show --ids "$nic" -o json < /dev/null > "$DIR/{files.NICS}/$(group_of "$nic").${{nic##*/}}.json"
done

# Each private DNS zone's virtual network links and record sets.
ids "$DIR/{files.ZONES}" privateDnsZones | while IFS= read -r zone; do
  rg=$(group_of "$zone")
  "$AZ" network private-dns link vnet list --subscription "$SUBSCRIPTION" --resource-group "$rg" \\
    --zone-name "${{zone##*/}}" -o json < /dev/null > "$DIR/{files.PRIVATE_DNS}/$rg.${{zone##*/}}.links.json"
  "$AZ" network private-dns record-set list --subscription "$SUBSCRIPTION" --resource-group "$rg" \\
    --zone-name "${{zone##*/}}" -o json < /dev/null > "$DIR/{files.PRIVATE_DNS}/$rg.${{zone##*/}}.records.json"
done

# Optional: who may use the vault's data plane. Needs the right to read role assignments.
ROLES=false
VAULT_ID=/subscriptions/$SUBSCRIPTION/resourceGroups/$GROUP/providers/Microsoft.KeyVault/vaults/$VAULT
if "$AZ" role assignment list --scope "$VAULT_ID" --include-inherited -o json > "$DIR/{files.ROLE_ASSIGNMENTS}"; then
  ROLES=true
else
  rm -f "$DIR/{files.ROLE_ASSIGNMENTS}"
  echo "note: the role assignments could not be listed; the permission checks will say they cannot decide" >&2
fi

printf '{{"format": "{files.FORMAT}", "vault": "%s", "resourceGroup": "%s", "subscription": "%s", "roleAssignments": %s, "exportedAt": "%s"}}\\n' \\
  "$VAULT" "$GROUP" "$SUBSCRIPTION" "$ROLES" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$DIR/{files.MANIFEST}"
echo "exported $VAULT to $DIR; diagnose it with: vaultlink diagnose --state $DIR $VAULT" >&2
"""
