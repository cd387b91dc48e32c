"""The enrichment layer: dated buying signals with evidence, and one row per sendable lead."""
