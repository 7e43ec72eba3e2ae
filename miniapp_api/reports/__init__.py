"""Statistics and exports for police stations (cross-domain administration: it reads
every domain's tables and owns only its read model, the daily rollup)."""
