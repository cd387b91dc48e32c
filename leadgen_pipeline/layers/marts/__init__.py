"""The analyst marts: documented DuckDB views over the pipeline's tables."""
