"""公表数値 — figures a source document publishes about things the registry holds no rows for."""
