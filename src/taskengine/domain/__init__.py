"""Domain packages: one per area of the service (rules, no HTTP)."""
