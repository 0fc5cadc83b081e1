"""Request types the registry's bodies and routes share, each documented with the bound the
server enforces: a client generated from the contract refuses what the registry would refuse.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

LONG_TEXT_MAX = 10_000
"""Free text stored in a ``Text`` column (目指す将来像, 概要, 理由 …): far above what the seed's
documents write, below what a 1 MB body could carry many times over."""


LG_CODE_HELP = (
    "全国地方公共団体コード（6桁、末尾は検査数字）"
    "（6-digit local government code, the last digit a check digit）"
)

LgCode = Annotated[
    str,
    Field(
        max_length=6,
        description=LG_CODE_HELP + "; full-width digits are accepted",
        examples=["112071"],
    ),
]
"""A local government code as a body gives it; the service validates the check digit and that
the local government is registered (rules ``format``, ``check_digit``, ``unknown``)."""
