#!/usr/bin/env bash
# Exports what `vaultlink diagnose --state DIR kv-app` reads: the key vault kv-app (resource group rg-app),
# the private endpoints, their network interfaces and DNS zone groups, the virtual networks, the private DNS
# zones with their virtual network links and record sets, and (optional) the role assignments at the vault.
# Every command only reads. Run it where az is signed in to the vault's subscription:
#   bash export.sh [DIR]          (DIR defaults to vaultlink-export-kv-app)
# then copy DIR anywhere and run `vaultlink diagnose --state DIR kv-app` there.
set -euo pipefail
AZ=${AZ:-az}
DIR=${1:-vaultlink-export-kv-app}
VAULT=kv-app
GROUP=rg-app
SUBSCRIPTION=${SUBSCRIPTION:-$("$AZ" account show --query id -o tsv)}
SUBSCRIPTION=${SUBSCRIPTION%$'\r'}
mkdir -p "$DIR/nics" "$DIR/private-dns" "$DIR/zone-groups"
rm -f "$DIR/manifest.json"

"$AZ" keyvault show --subscription "$SUBSCRIPTION" --name "$VAULT" --resource-group "$GROUP" -o json > "$DIR/keyvault.json"
"$AZ" network private-endpoint list --subscription "$SUBSCRIPTION" -o json > "$DIR/private-endpoints.json"
"$AZ" network vnet list --subscription "$SUBSCRIPTION" -o json > "$DIR/virtual-networks.json"
"$AZ" network private-dns zone list --subscription "$SUBSCRIPTION" -o json > "$DIR/private-dns-zones.json"

# The loops read ids from az; the commands inside them read nothing (< /dev/null), so none can take the next id.
# Each private endpoint's DNS zone groups (the records they write) and its network interface.
"$AZ" network private-endpoint list --subscription "$SUBSCRIPTION" --query "[].[id, join(' ', networkInterfaces[].id)]" \
    -o tsv | while IFS=$'\t' read -r pe nics; do
  nics=${nics%$'\r'}
  rg=${pe#*/resourceGroups/}; rg=${rg%%/*}
  "$AZ" network private-endpoint dns-zone-group list --subscription "$SUBSCRIPTION" --resource-group "$rg" \
    --endpoint-name "${pe##*/}" -o json < /dev/null > "$DIR/zone-groups/$rg.${pe##*/}.json"
  for nic in $nics; do
    rg=${nic#*/resourceGroups/}; rg=${rg%%/*}
    "$AZ" network nic show --ids "$nic" -o json < /dev/null > "$DIR/nics/$rg.${nic##*/}.json"
  done
done

# Each private DNS zone's virtual network links and record sets.
"$AZ" network private-dns zone list --subscription "$SUBSCRIPTION" --query "[].id" -o tsv | while IFS= read -r zone; do
  zone=${zone%$'\r'}
  rg=${zone#*/resourceGroups/}; rg=${rg%%/*}
  "$AZ" network private-dns link vnet list --subscription "$SUBSCRIPTION" --resource-group "$rg" \
    --zone-name "${zone##*/}" -o json < /dev/null > "$DIR/private-dns/$rg.${zone##*/}.links.json"
  "$AZ" network private-dns record-set list --subscription "$SUBSCRIPTION" --resource-group "$rg" \
    --zone-name "${zone##*/}" -o json < /dev/null > "$DIR/private-dns/$rg.${zone##*/}.records.json"
done

# Optional: who may use the vault's data plane. Needs the right to read role assignments.
ROLES=false
VAULT_ID=$("$AZ" keyvault show --subscription "$SUBSCRIPTION" --name "$VAULT" --resource-group "$GROUP" --query id -o tsv)
VAULT_ID=${VAULT_ID%$'\r'}
if "$AZ" role assignment list --scope "$VAULT_ID" --include-inherited -o json > "$DIR/role-assignments.json"; then
  ROLES=true
else
  rm -f "$DIR/role-assignments.json"
  echo "note: the role assignments could not be listed; the permission checks will say they cannot decide" >&2
fi

printf '{"format": "vaultlink-export/1", "vault": "%s", "resourceGroup": "%s", "subscription": "%s", "roleAssignments": %s, "exportedAt": "%s"}\n' \
  "$VAULT" "$GROUP" "$SUBSCRIPTION" "$ROLES" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$DIR/manifest.json"
echo "exported $VAULT to $DIR; diagnose it with: vaultlink diagnose --state $DIR $VAULT" >&2
