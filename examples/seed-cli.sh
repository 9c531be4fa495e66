#!/usr/bin/env bash
# The "Azure CLI" tab of "Integrate Key Vault with Azure Private Link" (learn.microsoft.com, the seed of
# vaultlink), run with the real az CLI against vaultlink, then the article's "Validate that the private link
# connection works" section, with a machine made by `vaultlink vm`.
#
#   examples/seed-cli.sh                           # against the server `make run` started (./.vaultlink)
# or against a server of its own, on ports of its own beside make run's:
#   vaultlink up --data-dir /tmp/demo --proxy-port 9443 --dns-port 9053 &
#   VAULTLINK_DATA_DIR=/tmp/demo examples/seed-cli.sh
#
# The article's placeholders are filled from these variables (defaults in brackets):
#   VAULTLINK_DATA_DIR  the running vaultlink's data directory [.vaultlink]
#   AZURE_CONFIG_DIR    az's profile [$VAULTLINK_DATA_DIR/azure-cli]: the sign-in below stays out of ~/.azure
#   RG [rg-seed]  REGION [eastus]  VAULT [kv-seed-<time>]  VNET [vnet-seed]  SUBNET [snet-seed]
#   ADDRESS_PREFIX [10.0.0.0/24, in az's default VNet 10.0.0.0/16]  VM [vm-seed]
#   AZ [az]  VAULTLINK [vaultlink]  PYTHON [python3, to read az's JSON]
#
# Each step prints "### <step>", its output (-o json), then "### <step> ok in <seconds> s [<program>]";
# a step whose failure is the point prints "### <step> failed as expected (exit N) in ...". Anything else
# that fails stops the script (set -euo pipefail) with "### <step> FAILED (exit N)".
set -euo pipefail

VAULTLINK_DATA_DIR=${VAULTLINK_DATA_DIR:-.vaultlink}
export VAULTLINK_DATA_DIR
export AZURE_CONFIG_DIR=${AZURE_CONFIG_DIR:-$VAULTLINK_DATA_DIR/azure-cli}
AZ=${AZ:-az}
VAULTLINK=${VAULTLINK:-vaultlink}
PYTHON=${PYTHON:-python3}
RG=${RG:-rg-seed}
REGION=${REGION:-eastus}
VAULT=${VAULT:-kv-seed-$(date +%s)}
VNET=${VNET:-vnet-seed}
SUBNET=${SUBNET:-snet-seed}
ADDRESS_PREFIX=${ADDRESS_PREFIX:-10.0.0.0/24}
VM=${VM:-vm-seed}
ZONE=privatelink.vaultcore.azure.net
PE_AUTO=pe-$VAULT-auto
PE_MANUAL=pe-$VAULT-manual

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=/dev/null  # the last step's standard output, kept for reading values from it

now() { local t=${EPOCHREALTIME:-$(date +%s.%N)}; echo "${t/,/.}"; }  # bash 5's clock follows the locale's comma
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# step NAME COMMAND...: runs COMMAND, shows its output, keeps it in $out; stops the script when it fails.
step() {
  local name=$1 rc=0 started
  started=$(now)
  shift
  out=$work/$name.out
  echo "### $name"
  "$@" >"$out" || rc=$?
  cat "$out"
  if [ "$rc" -ne 0 ]; then
    echo "### $name FAILED (exit $rc) in $(seconds_since "$started") s [$(basename "$1")]"
    exit "$rc"
  fi
  echo "### $name ok in $(seconds_since "$started") s [$(basename "$1")]"
}

# expect_failure NAME COMMAND...: runs COMMAND, which must fail; shows what it printed (az's error).
expect_failure() {
  local name=$1 rc=0 started
  started=$(now)
  shift
  out=$work/$name.out
  echo "### $name"
  "$@" >"$out" 2>&1 || rc=$?
  cat "$out"
  if [ "$rc" -eq 0 ]; then
    echo "### $name FAILED (it succeeded, and should not have) in $(seconds_since "$started") s [$(basename "$1")]"
    exit 1
  fi
  echo "### $name failed as expected (exit $rc) in $(seconds_since "$started") s [$(basename "$1")]"
}

# value FILE PATH: one value from a JSON document (PATH like properties.items.0.id).
value() {
  "$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$1" "$2"
}

# Route az through vaultlink: its proxy, its CA, and its default service principal and subscription.
exports=$("$VAULTLINK" env)
eval "$exports"
SUBSCRIPTION=$AZURE_SUBSCRIPTION_ID
VAULT_ID=/subscriptions/$SUBSCRIPTION/resourceGroups/$RG/providers/Microsoft.KeyVault/vaults/$VAULT

# ---- Establish a private link connection to Key Vault using CLI (Initial Setup) ------------------------------

# `az login` alone opens a browser; vaultlink's service principal signs in the way a pipeline does. The other
# ways work too: `az login -u USER -p PASSWORD` (`vaultlink identity show`), `--use-device-code`, `--identity`.
step login "$AZ" login --service-principal -u "$AZURE_CLIENT_ID" -p "$AZURE_CLIENT_SECRET" --tenant "$AZURE_TENANT_ID" \
  -o json
step account-set "$AZ" account set --subscription "$SUBSCRIPTION"
step account-show "$AZ" account show -o json
step group-create "$AZ" group create -n "$RG" -l "$REGION" -o json
step provider-register "$AZ" provider register -n Microsoft.KeyVault
step keyvault-create "$AZ" keyvault create -n "$VAULT" -g "$RG" -l "$REGION" -o json
step keyvault-update "$AZ" keyvault update -n "$VAULT" -g "$RG" --default-action deny -o json
# The article has `-location {REGION}`, which az refuses ("unrecognized arguments"): it is `--location`.
step vnet-create "$AZ" network vnet create -g "$RG" -n "$VNET" --location "$REGION" -o json
step subnet-create "$AZ" network vnet subnet create -g "$RG" --vnet-name "$VNET" --name "$SUBNET" \
  --address-prefixes "$ADDRESS_PREFIX" -o json
# Still accepted, with a deprecation warning (the new spelling: --private-endpoint-network-policies Disabled).
step subnet-update "$AZ" network vnet subnet update --name "$SUBNET" --resource-group "$RG" --vnet-name "$VNET" \
  --disable-private-endpoint-network-policies true -o json
step zone-create "$AZ" network private-dns zone create --resource-group "$RG" --name "$ZONE" -o json
step link-create "$AZ" network private-dns link vnet create --resource-group "$RG" --virtual-network "$VNET" \
  --zone-name "$ZONE" --name "$VNET-link" --registration-enabled true -o json

# ---- Create a Private Endpoint (Automatically Approve), then one that requests approval ---------------------

step pe-auto-create "$AZ" network private-endpoint create --resource-group "$RG" --vnet-name "$VNET" \
  --subnet "$SUBNET" --name "$PE_AUTO" --private-connection-resource-id "$VAULT_ID" --group-ids vault \
  --connection-name "$PE_AUTO-conn" --location "$REGION" -o json
step pe-manual-create "$AZ" network private-endpoint create --resource-group "$RG" --vnet-name "$VNET" \
  --subnet "$SUBNET" --name "$PE_MANUAL" --private-connection-resource-id "$VAULT_ID" --group-ids vault \
  --connection-name "$PE_MANUAL-conn" --location "$REGION" --manual-request -o json

# ---- Manage Private Link Connections -------------------------------------------------------------------------

# Show Connection Status: the manual request waits for the vault's owner (Pending).
step pe-manual-show "$AZ" network private-endpoint show --resource-group "$RG" --name "$PE_MANUAL" -o json

# {PRIVATE LINK CONNECTION NAME} is the name of the connection on the vault's side, which Key Vault makes up
# ("<endpoint>.<guid>"). The vault lists its connections by id and endpoint (items carry no name), so take the
# id of the one whose endpoint is ours; its last segment is the name (`--id` would take the whole id too).
step connection-find "$AZ" keyvault show -n "$VAULT" -g "$RG" \
  --query "properties.privateEndpointConnections[?ends_with(privateEndpoint.id, '/$PE_MANUAL')].id | [0]" -o tsv
connection_id=$(cat "$out")
CONNECTION=${connection_id##*/}

# The article's `–name` starts with an en dash, which az takes for a value, not an option: it is `--name`.
# And az has renamed `--approval-description`/`--rejection-description` to `--description`.
step connection-approve "$AZ" keyvault private-endpoint-connection approve --description "Approved by seed-cli.sh" \
  --resource-group "$RG" --vault-name "$VAULT" --name "$CONNECTION" -o json
step connection-reject "$AZ" keyvault private-endpoint-connection reject --description "Rejected by seed-cli.sh" \
  --resource-group "$RG" --vault-name "$VAULT" --name "$CONNECTION" -o json
# The general Private Link documentation says a rejected connection cannot be approved again; Key Vault approves
# it all the same (as Azure answers), so the owner can change their mind. Removing it leaves the endpoint
# Disconnected for good.
step connection-approve-rejected "$AZ" keyvault private-endpoint-connection approve \
  --description "Approved again by seed-cli.sh" --resource-group "$RG" --vault-name "$VAULT" --name "$CONNECTION" \
  -o json
step connection-delete "$AZ" keyvault private-endpoint-connection delete --resource-group "$RG" --vault-name "$VAULT" \
  --name "$CONNECTION"
step pe-manual-show-after-delete "$AZ" network private-endpoint show --resource-group "$RG" --name "$PE_MANUAL" -o json

# ---- Add Private DNS Records -----------------------------------------------------------------------------------

# Determine the Private Endpoint IP address: the endpoint's network interface, then its private address.
step pe-auto-show "$AZ" network private-endpoint show -g "$RG" -n "$PE_AUTO" -o json
PE_NIC=$(value "$out" networkInterfaces.0.id)
step nic-show "$AZ" network nic show --ids "$PE_NIC" -o json
NIC_IP=$(value "$out" ipConfigurations.0.privateIPAddress)
# The manual endpoint's interface, made second, holds the subnet's next address.
step nic-show-manual "$AZ" network nic show --ids "$(value "$work/pe-manual-create.out" networkInterfaces.0.id)" -o json

step zone-list "$AZ" network private-dns zone list -g "$RG" -o json
step record-add "$AZ" network private-dns record-set a add-record -g "$RG" -z "$ZONE" -n "$VAULT" -a "$NIC_IP" -o json
step record-list "$AZ" network private-dns record-set list -g "$RG" -z "$ZONE" -o json

# "From home/public network, you will get a public IP": this shell is on the internet. Ask vaultlink's resolver
# of the internet (the system's resolver would ask the real one): on port 53 when vaultlink has it, else its own.
status=$work/status.json
"$VAULTLINK" status -o json >"$status"
dns_host=$(value "$status" dnsInternet53) dns_port=53
if [ "$dns_host" = None ]; then
  internet_dns=$(value "$status" dns.0)
  dns_host=${internet_dns%:*} dns_port=${internet_dns##*:}
fi
step nslookup-public nslookup -port="$dns_port" "$VAULT.vault.azure.net" "$dns_host"
step nslookup-public-privatelink nslookup -port="$dns_port" "$VAULT.privatelink.vaultcore.azure.net" "$dns_host"

# ---- Validate that the private link connection works -----------------------------------------------------------

# A virtual machine in the endpoint's subnet.
step vm-create "$VAULTLINK" vm create "$VM" -g "$RG" --vnet "$VNET" --subnet "$SUBNET" -o json
VM_DNS=$(value "$out" dnsServer)

# nslookup on the machine: `vaultlink vm exec` makes the machine's virtual network resolver the system resolver
# where the OS lets it (Linux, root, unshare). Where it cannot, it says so, and nslookup asks that resolver by
# address: never the host's own resolver, which would ask the real internet.
inside_resolver=
if "$VAULTLINK" vm exec "$VM" -- true 2>&1 >/dev/null | grep -q "cannot be this system's resolver"; then
  inside_resolver=$VM_DNS
fi
nslookup_on_vm() {
  if [ -n "$inside_resolver" ]; then
    "$VAULTLINK" vm exec "$VM" -- nslookup -port="${inside_resolver##*:}" "$1" "${inside_resolver%:*}" 2>/dev/null
  else
    "$VAULTLINK" vm exec "$VM" -- nslookup "$1"
  fi
}
step nslookup-inside nslookup_on_vm "$VAULT.vault.azure.net"

# The vault authorizes with Azure RBAC (az's default for new vaults): reading and writing secrets takes a data
# role, which the vault's creator does not get by itself.
step role-assign "$AZ" role assignment create --role "Key Vault Secrets Officer" --assignee "$AZURE_CLIENT_ID" \
  --scope "$VAULT_ID" -o json

# A secret through the private endpoint, from inside the machine: admitted.
step secret-set-inside "$VAULTLINK" vm exec "$VM" -- "$AZ" keyvault secret set --vault-name "$VAULT" --name greeting \
  --value "hello from $VM" -o json
step secret-show-inside "$VAULTLINK" vm exec "$VM" -- "$AZ" keyvault secret show --vault-name "$VAULT" \
  --name greeting -o json

# From outside, the firewall (`--default-action deny` above) refuses: ForbiddenByFirewall.
expect_failure secret-show-outside-firewall "$AZ" keyvault secret show --vault-name "$VAULT" --name greeting -o json
# Then, as the portal tab's first step does, disable public access: ForbiddenByConnection from outside, while
# the machine still reads the secret over the private endpoint.
step public-access-disable "$AZ" keyvault update -n "$VAULT" -g "$RG" --public-network-access Disabled -o json
expect_failure secret-show-outside "$AZ" keyvault secret show --vault-name "$VAULT" --name greeting -o json
step secret-show-inside-again "$VAULTLINK" vm exec "$VM" -- "$AZ" keyvault secret show --vault-name "$VAULT" \
  --name greeting --query value -o tsv

echo "### done: vault $VAULT, endpoint $PE_AUTO at $NIC_IP, machine $VM"
