"""Microsoft.Resources: subscriptions, tenants, locations, resource groups, provider registration and the
generic /resources listing."""
