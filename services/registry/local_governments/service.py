"""Rules of local governments: checked codes, derived kinds, kana, search keys, and imports.

An import is all or nothing: every row is checked first and one bad row refuses the whole file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import jaconv
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.audit import Change, ChangeKind
from libs.common.auth import Principal
from libs.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from libs.common.etag import check_if_match, etag_for
from libs.common.fiscal_year import today_tokyo
from libs.common.lg_code import (
    PREFECTURES,
    LocalGovernmentCodeError,
    LocalGovernmentKind,
    kind_of,
    validate_lg_code,
)
from libs.common.search_text import normalise_search_key
from services.registry.audit.service import audited, record
from services.registry.local_governments import repository
from services.registry.local_governments.models import LocalGovernment
from services.registry.local_governments.schemas import (
    ImportResultOut,
    LocalGovernmentCreate,
    LocalGovernmentUpdate,
)

Progress = Callable[[int, int], None]
"""Called with (rows done, rows in all) while an import stores its rows."""

# Full-width katakana, ー and its iteration marks, 中黒 and spaces: what the official list holds.
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fb-\u30fe ]*")
_CORE_CITY_KINDS = {LocalGovernmentKind.CITY}
_CENTRAL_CORE_CITY_KINDS = {LocalGovernmentKind.CITY, LocalGovernmentKind.DESIGNATED_CITY}


@dataclass(frozen=True)
class Entry:
    """A checked row: what a local government is, as far as a code list says."""

    code: str
    name: str
    kana: str | None  # None: not given, keep what is stored
    prefecture_code: str
    prefecture: str
    kind: LocalGovernmentKind


@dataclass(frozen=True)
class EntryProblem:
    key: str  # code, name, kana or prefecture
    rule: str
    message: str


def etag(row: LocalGovernment) -> str:
    return etag_for("local-government", row.code, row.version)


def normalise_kana(text: str) -> str:
    """Half-width katakana and hiragana become full-width katakana (NFKC, then ひら→カタ)."""
    return jaconv.hira2kata(unicodedata.normalize("NFKC", text)).strip()


def search_key_for(*, name: str, kana: str, prefecture: str, kind: str) -> str:
    # The prefecture is part of the key so that "埼玉県秩父" finds 秩父市; '|' keeps a query
    # from matching across the name/kana boundary (normalised queries never contain it).
    full_name = name if kind == LocalGovernmentKind.PREFECTURE else prefecture + name
    return f"{normalise_search_key(full_name)}|{normalise_search_key(kana)}"


def check_entry(
    code: str, name: str, kana: str | None, *, prefecture: str | None = None
) -> tuple[Entry | None, list[EntryProblem]]:
    """Check one row; ``prefecture`` is the written prefecture name, when the input has one."""
    problems: list[EntryProblem] = []
    name = unicodedata.normalize("NFKC", name).strip()
    kana = normalise_kana(kana) if kana is not None else None
    if not name:
        problems.append(EntryProblem("name", "required", "団体名が空です（name is required）"))
    elif len(name) > 100:
        problems.append(EntryProblem("name", "max_length", "団体名は100文字以内です（max 100）"))
    if kana is not None and (len(kana) > 200 or not _KATAKANA.fullmatch(kana)):
        problems.append(
            EntryProblem(
                "kana", "katakana", f"カナはカタカナで200文字以内です: {kana!r}（katakana only）"
            )
        )
    try:
        digits = validate_lg_code(code)
        kind = kind_of(digits)
    except LocalGovernmentCodeError as err:
        problems.append(EntryProblem("code", err.rule, err.message))
        return None, problems
    official = PREFECTURES[digits[:2]]
    written = unicodedata.normalize("NFKC", prefecture).strip() if prefecture is not None else None
    if written is not None and written != official:
        problems.append(
            EntryProblem(
                "prefecture",
                "prefecture_mismatch",
                f"コード{digits}の都道府県は{official}です: {written!r}"
                f"（code {digits} belongs to {official}）",
            )
        )
    if written is None and kind is LocalGovernmentKind.PREFECTURE and name != official:
        problems.append(
            EntryProblem(
                "name",
                "prefecture_name",
                f"コード{digits}の団体名は{official}です（code {digits} is {official}）",
            )
        )
    if problems:
        return None, problems
    return Entry(digits, name, kana, digits[:2], official, kind), []


def check_flags(kind: str, is_core_city: bool, is_central_core_city: bool) -> list[EntryProblem]:
    """中核市 only for a 市 (not a 政令指定都市); 中枢中核都市 for a 市 or a 政令指定都市."""
    problems = []
    if is_core_city and kind not in _CORE_CITY_KINDS:
        problems.append(
            EntryProblem(
                "is_core_city",
                "kind",
                f"中核市は市（政令指定都市を除く）だけです（kind is {kind}）",
            )
        )
    if is_central_core_city and kind not in _CENTRAL_CORE_CITY_KINDS:
        problems.append(
            EntryProblem(
                "is_central_core_city", "kind", f"中枢中核都市は市だけです（kind is {kind}）"
            )
        )
    return problems


def _body_error(problems: list[EntryProblem]) -> InvalidInput:
    errors = [FieldProblem(field=f"body.{p.key}", rule=p.rule, message=p.message) for p in problems]
    return InvalidInput("; ".join(p.message for p in problems), errors=errors)


def snapshot(row: LocalGovernment) -> dict[str, Any]:
    """The audited fields (timestamps are in the audit event itself)."""
    return {
        "code": row.code,
        "name": row.name,
        "kana": row.kana,
        "prefecture_code": row.prefecture_code,
        "prefecture": row.prefecture,
        "kind": row.kind,
        "is_core_city": row.is_core_city,
        "is_central_core_city": row.is_central_core_city,
        "designations_as_of": row.designations_as_of.isoformat()
        if row.designations_as_of
        else None,
        "designations_source": row.designations_source,
    }


def _new_row(entry: Entry) -> LocalGovernment:
    row = LocalGovernment(
        code=entry.code,
        is_core_city=False,
        is_central_core_city=False,
        designations_as_of=None,
        designations_source=None,
    )
    _apply_entry(row, entry)
    return row


def _apply_entry(row: LocalGovernment, entry: Entry) -> bool:
    """Set what ``entry`` says; True when anything changed. Attributes are only set on change
    so that an unchanged row stays clean (no UPDATE, no version bump)."""
    kana = entry.kana if entry.kana is not None else (row.kana or "")
    values = {
        "name": entry.name,
        "kana": kana,
        "prefecture_code": entry.prefecture_code,
        "prefecture": entry.prefecture,
        "kind": str(entry.kind),
        "search_key": search_key_for(
            name=entry.name, kana=kana, prefecture=entry.prefecture, kind=entry.kind
        ),
    }
    changed = False
    for attribute, value in values.items():
        if getattr(row, attribute, None) != value:
            setattr(row, attribute, value)
            changed = True
    return changed


async def get_local_government(session: AsyncSession, code: str) -> LocalGovernment:
    row = await repository.get(session, code)
    if row is None:
        raise NotFound(f"地方公共団体 {code} はありません（no local government {code}）")
    return row


def resolve_prefecture(value: str) -> str:
    """Two-digit prefecture code from ``"11"``, ``"埼玉県"`` or ``"埼玉"``."""
    text = unicodedata.normalize("NFKC", value).strip()
    if text.isdigit() and text.zfill(2) in PREFECTURES:
        return text.zfill(2)
    for code, name in PREFECTURES.items():
        if text in (name, name[:-1]) and text:
            return code
    raise InvalidInput.field(
        "query.prefecture",
        "prefecture",
        f"都道府県を特定できません: {value!r}（give 01–47 or a prefecture name）",
    )


async def list_local_governments(
    session: AsyncSession,
    *,
    prefecture: str | None,
    kind: LocalGovernmentKind | None,
    q: str | None,
    after_code: str | None,
    limit: int,
) -> list[LocalGovernment]:
    return await repository.list_page(
        session,
        prefecture_code=resolve_prefecture(prefecture) if prefecture else None,
        kind=str(kind) if kind else None,
        search_key=normalise_search_key(q) if q else None,
        after_code=after_code,
        limit=limit,
    )


async def create_local_government(
    session: AsyncSession, *, principal: Principal, body: LocalGovernmentCreate
) -> LocalGovernment:
    entry, problems = check_entry(body.code, body.name, body.kana)
    if entry is not None:
        problems += check_flags(entry.kind, body.is_core_city, body.is_central_core_city)
    if entry is None or problems:
        raise _body_error(problems)
    if await repository.get(session, entry.code) is not None:
        raise Conflict(
            f"地方公共団体 {entry.code} は登録済みです（{entry.code} exists）", code=entry.code
        )
    row = _new_row(entry)
    row.is_core_city = body.is_core_city
    row.is_central_core_city = body.is_central_core_city
    if body.is_core_city or body.is_central_core_city or body.designations_as_of:
        # A flag an operator sets is a designation as of the day it is set, unless dated.
        row.designations_as_of = body.designations_as_of or today_tokyo()
        row.designations_source = body.designations_source
    async with _audited(session, row, principal, "local_government.created", kind="created"):
        await repository.add_all(session, [row])
        await repository.flush_and_reload(session, row)
    return row


def _audited(
    session: AsyncSession,
    row: LocalGovernment,
    actor: Principal | str,
    action: str,
    kind: ChangeKind = "updated",
) -> AbstractAsyncContextManager[Change]:
    return audited(
        session,
        row,
        kind=kind,
        actor=actor,
        action=action,
        subject_type="local_government",
        subject_id=row.code,
        snapshot=snapshot,
    )


async def update_local_government(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str,
    if_match: str | None,
    body: LocalGovernmentUpdate,
) -> LocalGovernment:
    row = await get_local_government(session, code)
    check_if_match(if_match, etag(row))
    changes = body.model_dump(exclude_unset=True)
    entry, problems = check_entry(
        row.code, changes.get("name", row.name), changes.get("kana", row.kana)
    )
    problems += check_flags(
        row.kind,
        changes.get("is_core_city", row.is_core_city),
        changes.get("is_central_core_city", row.is_central_core_city),
    )
    if entry is None or problems:
        raise _body_error(problems)
    async with _audited(session, row, principal, "local_government.updated") as change:
        change.changed = _apply_entry(row, entry)
        change.changed = _apply_designations(row, changes) or change.changed
    if change.recorded:
        # The response shows the server-set timestamps.
        await repository.flush_and_reload(session, row)
    return row


def _apply_designations(row: LocalGovernment, changes: dict[str, Any]) -> bool:
    """Set the flags, their date and source a change names; True when anything changed. A flag
    changed without a date is dated today, and without a source has none: the old source no
    longer backs it."""
    flags = [f for f in ("is_core_city", "is_central_core_city") if f in changes]
    moved = [f for f in flags if getattr(row, f) != changes[f]]
    values: dict[str, Any] = {f: changes[f] for f in moved}
    if moved:
        values["designations_as_of"] = changes.get("designations_as_of") or today_tokyo()
        values["designations_source"] = changes.get("designations_source")
    for name in ("designations_as_of", "designations_source"):
        if name in changes:
            values[name] = changes[name]
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


async def upsert_entries(
    session: AsyncSession,
    entries: Sequence[Entry],
    *,
    actor: Principal | str,
    progress: Progress | None = None,
) -> ImportResultOut:
    """Create or update each entry by code; the core-city flags are never touched."""
    existing = await repository.get_many(session, [e.code for e in entries])
    created: list[LocalGovernment] = []
    updated = 0
    for done, entry in enumerate(entries, start=1):
        row = existing.get(entry.code)
        if row is None:
            created.append(_new_row(entry))
        else:
            async with _audited(session, row, actor, "local_government.updated") as change:
                change.changed = _apply_entry(row, entry)
            updated += change.recorded
        if progress is not None:
            progress(done, len(entries))
    await repository.add_all(session, created)
    for row in created:
        await record(
            session,
            actor=actor,
            action="local_government.created",
            subject_type="local_government",
            subject_id=row.code,
            after=snapshot(row),
        )
    return ImportResultOut(
        created=len(created),
        updated=updated,
        unchanged=len(entries) - len(created) - updated,
        total=len(entries),
    )
