"""``jisso registry …`` — operator commands of the registry."""

from __future__ import annotations

import typer

app = typer.Typer(help="台帳 (registry) commands", no_args_is_help=True)
