"""servcommun — billing calculator for French intercommunal shared services.

The pipeline, one module a stage: ``reader`` (YAML/CSV/TOML text with positions) →
``loader`` (validated, frozen models: ``tariff``, ``roster``, ``budget``) →
``engine`` (pure computation) → ``render`` (table, JSON, CSV).
"""

__version__ = "0.1.0"
