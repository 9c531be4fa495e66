"""Resource providers: one package per Azure namespace, each shaped alike (routes, service, schemas)."""
