"""Tools over the committed contract, openapi/*.json: `make sdk` (sdk.py) and the pinned npm tools
of `make lint` and `make sdk` (package.json; the Spectral ruleset is .spectral.yaml at the root)."""
