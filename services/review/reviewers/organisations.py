"""組織の同一性 — when two written organisations are one organisation (conflicts of interest).

People write one organisation many ways: 株式会社X, (株)X, ㈱X, X株式会社; 国立大学法人 東京大学
and 東京大学大学院工学系研究科; 旭川市, 北海道旭川市, 旭川市役所, 旭川市 総合政策部.
:class:`Organisations` reduces each to one identity key; two names are one organisation when
their keys are equal:

1. Text: NFKC (full/half width), casefold, katakana → hiragana, dashes and spaces as the kernel's
   search key (``libs.common.search_text``), a few 異体字 (髙→高, 﨑→崎 …). Trailing parts written
   after a space that name a unit (``… 総合政策部``, ``… 研究開発センター``) are dropped.
2. 法人格 (legal forms) and their abbreviations, before or after the name, in every width:
   株式会社/(株)/（株）/㈱/㍿, 有限会社/㈲, 合同会社, 一般社団法人/(一社), 公益財団法人/(公財),
   国立大学法人, 独立行政法人/(独), 学校法人/(学), 特定非営利活動法人/NPO法人 … and the common
   English ones (Co., Ltd., Inc., Corp.). A university's faculties fold to the university.
3. Aliases: the office's table (``organisation_aliases``) maps a written form to its canonical
   organisation (old names, abbreviations, a group's trading names); followed to the end.
4. Local governments: a name with or without its prefecture, with 役所/役場/庁, a ward of a
   designated city or a department (部, 課, 局, 室, 委員会 …) is the government. Governments the
   check knows by code (the 47 prefectures, the subject's proposers and coded council members)
   key as ``lg:<code>``; another ``…市役所`` folds to its bare name. ``旭川市立大学`` or
   ``富山県立大学`` (…立…) is not the government, nor is a name that carried a 法人格.

Why written here and not taken from a package: the packages index offers ``neologdn`` (text
normalisation only: what step 1 already does with the kernel's key), ``cleanco`` (Western legal
forms) and ``ja-entity-parser`` (legal forms through SudachiPy and its ~70 MB dictionary, one
maintainer, and no local governments). The legal forms are a closed list set by law; what makes
this check right is the local governments, which only the review's own data (codes, prefectures)
settles. Known limits: a municipality named without its prefecture matches every municipality of
that name (伊達市, 府中市) — a conflict flagged rather than missed; a department written with no
space after a company name (``日立製作所研究開発グループ``) stays distinct. The alias table settles
both (``docs/review.md``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from libs.common.lg_code import (
    DESIGNATED_CITIES,
    PREFECTURES,
    LocalGovernmentCodeError,
    LocalGovernmentKind,
    kind_of,
    validate_lg_code,
    with_check_digit,
)
from libs.common.search_text import normalise_search_key

# 異体字 seen in organisation names; NFKC leaves them apart from the common form.
_VARIANTS = str.maketrans(
    dict(zip("髙﨑嵜德邊邉濵濱齋", "高崎崎徳辺辺浜浜斎", strict=True)) | {"𠮷": "吉"}
)
_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "［": "(", "］": ")"})

# 法人格 in full and abbreviated; NFKC has made （株） and ㈱ into (株) and ㍿ into 株式会社.
_LEGAL_FORM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("株式会社", "(株)"),
    ("有限会社", "(有)"),
    ("合同会社", "(同)"),
    ("合資会社", "(資)"),
    ("合名会社", "(名)"),
    ("相互会社", "(相)"),
    ("一般社団法人", "(一社)", "(一般社)"),
    ("一般財団法人", "(一財)", "(一般財)"),
    ("公益社団法人", "(公社)"),
    ("公益財団法人", "(公財)"),
    ("社団法人", "(社)"),
    ("財団法人", "(財)"),
    ("国立大学法人", "(国大)"),
    ("公立大学法人", "(公大)"),
    ("大学共同利用機関法人",),
    ("地方独立行政法人", "(地独)"),
    ("独立行政法人", "(独)", "(独法)"),
    ("国立研究開発法人", "(国研)", "(研)"),
    ("学校法人", "(学)"),
    ("特定非営利活動法人", "npo法人", "(特非)", "(npo)"),
    ("社会福祉法人", "(福)", "(社福)"),
    ("医療法人社団", "医療法人財団", "医療法人", "(医)", "(医社)", "(医財)"),
    ("宗教法人", "(宗)"),
)
LEGAL_FORMS: tuple[str, ...] = tuple(
    sorted({normalise_search_key(f) for group in _LEGAL_FORM_GROUPS for f in group}, key=len)[::-1]
)
# English forms are whole words, so they are only taken as a whole last word ("Hitachi, Ltd.").
# fmt: off
_ENGLISH_FORMS = frozenset((
    "inc", "inc.", "ltd", "ltd.", "co", "co.", "corp", "corp.", "corporation", "llc", "llc.",
    "k.k.", "g.k.", "co.,ltd", "co.,ltd.", "co.ltd.", "npo",
))
# fmt: on

# What a part of an organisation is called when written apart (``… 研究開発センター``) or after a
# university (``東京大学大学院工学系研究科``).
# fmt: off
_UNIT_SUFFIXES = tuple(normalise_search_key(s) for s in (
    "部", "課", "局", "室", "係", "班", "科", "所", "院", "署", "委員会", "事務局", "センター",
    "グループ", "チーム", "担当", "系", "専攻", "講座", "機構", "学環", "学府",
))
# fmt: on
# What a government's own department is called when written straight after its name
# (旭川市総合政策部, 埼玉県産業労働部): narrower, since 北海道医療センター is not 北海道.
_DEPARTMENT_SUFFIXES = ("部", "課", "局", "室", "係", "班", "委員会", "事務局", "署", "担当")
_OFFICES = ("役所", "役場", "庁舎", "本庁", "庁")  # the government's own building, longest first
_MUNICIPAL_OFFICE = re.compile(r"^(.+?[市区町村])(?:役所|役場)")
_WARD = re.compile(r"^.{1,5}区(?:役所)?")
_UNIVERSITY = re.compile(r"^(.+?大学(?:院大学)?)(.+)$")
# Words that hold 市/町/村 without naming a municipality (都市整備局, 市民課, 農村振興課).
_NOT_MUNICIPAL = ("都市", "市場", "市民", "町民", "村民", "農村", "漁村", "山村", "町内")
_PREFECTURE_KEYS = {normalise_search_key(name): code for code, name in PREFECTURES.items()}
_DESIGNATED_CITY_KEYS = tuple(normalise_search_key(n) for n in DESIGNATED_CITIES.values())


def _segments(written: str) -> list[str]:
    """The written name's space-separated parts, each as a search key (empty parts dropped)."""
    text = unicodedata.normalize("NFKC", written.translate(_BRACKETS)).translate(_VARIANTS)
    parts = [normalise_search_key(part) for part in text.split()]
    return [part for part in parts if part]


def _strip_legal_forms(text: str) -> tuple[str, bool]:
    """``text`` without the 法人格 before or after it (repeatedly), and whether it had one."""
    had = False
    changed = True
    while changed:
        changed = False
        for form in LEGAL_FORMS:
            if text.startswith(form) and len(text) > len(form):
                text, had, changed = text[len(form) :], True, True
            elif text.endswith(form) and len(text) > len(form):
                text, had, changed = text[: -len(form)], True, True
    return text.strip(",.、。"), had


def _is_unit(part: str) -> bool:
    """A part that names a unit of an organisation, not an organisation (nor a government)."""
    if any(office in part for office in ("役所", "役場")) or part.endswith("庁"):
        return False  # 秩父市役所 after 埼玉県 is the government itself
    return part == "議会" or part.endswith(_UNIT_SUFFIXES)


def _trim(parts: list[str]) -> tuple[str, bool]:
    """Drop trailing English legal forms and unit parts; the rest joined, legal forms stripped."""
    parts = list(parts)
    while len(parts) > 1 and parts[-1].rstrip(",") in _ENGLISH_FORMS | {""}:
        parts.pop()
    while len(parts) > 1 and _is_unit(parts[-1]):
        before = _strip_legal_forms("".join(parts[:-1]))[0]
        if not before or before in LEGAL_FORMS:
            break  # "NPO法人 ○○センター": the centre is the organisation
        parts.pop()
    text, had = _strip_legal_forms("".join(parts).rstrip(","))
    if (university := _UNIVERSITY.match(text)) and university.group(2).endswith(_UNIT_SUFFIXES):
        text = university.group(1)
    return text, had


def written_key(written: str) -> str:
    """The key of a written name with no reference to any government: what an alias is filed
    under (``(株)ドコモ`` and ``株式会社ドコモ 本社営業部`` are filed alike)."""
    return _trim(_segments(written))[0]


def government_code(code: str) -> str:
    """The government a code belongs to: a designated city's ward (行政区) is its city."""
    try:
        if kind_of(code) is not LocalGovernmentKind.DESIGNATED_CITY_WARD:
            return validate_lg_code(code)
    except LocalGovernmentCodeError:
        return code
    number = int(code[:5])
    city = max(int(c) for c in DESIGNATED_CITIES if int(c) < number and c[:2] == code[:2])
    return with_check_digit(f"{city:05d}")


@dataclass(frozen=True)
class KnownGovernment:
    """A local government the check knows: its name (and prefecture) as keys, its code if any."""

    name: str
    prefecture: str | None
    code: str | None

    @property
    def identity(self) -> str:
        return f"lg:{self.code}" if self.code else f"org:{self.name}"

    @property
    def is_prefecture(self) -> bool:
        return self.name in _PREFECTURE_KEYS and self.prefecture in (None, self.name)

    @classmethod
    def of(
        cls, written: str, *, code: str | None = None, prefecture: str | None = None
    ) -> KnownGovernment:
        """From a name as written (``北海道旭川市``, ``旭川市役所``), its code and prefecture."""
        if code and prefecture is None:
            prefecture = PREFECTURES.get(code[:2])
        pref = normalise_search_key(prefecture) if prefecture else None
        text = written_key(written)
        name = _bare_government(text) or text
        if pref and name.startswith(pref) and len(name) > len(pref):
            name = name[len(pref) :]
        return cls(name=name, prefecture=pref, code=government_code(code) if code else None)


def _bare_government(text: str) -> str | None:
    """``旭川市`` of ``北海道旭川市役所総合政策部``: a municipality named by its office, or with
    its prefecture, when no known government names it."""
    office = _MUNICIPAL_OFFICE.match(text)
    name = office.group(1) if office else None
    for pref in _PREFECTURE_KEYS:
        candidate = name or text
        rest = candidate[len(pref) :]
        if candidate.startswith(pref) and len(rest) > 1 and rest[-1] in "市区町村":
            name = rest
            break
    ward = name or text
    for city in _DESIGNATED_CITY_KEYS:
        if ward.startswith(city) and ward.endswith("区") and ward != city:
            return city  # 札幌市中央区(役所) is 札幌市
    return name


def _government_rest(rest: str, government: KnownGovernment) -> bool:
    """Whether what follows a government's name keeps it the government: nothing, its office,
    a ward (designated cities), or a department — never ``…立…`` (its school, its hospital)."""
    for office in _OFFICES:
        if rest.startswith(office):
            rest = rest[len(office) :]
            break
    else:
        if rest.startswith("立"):
            return False
    if not rest:
        return True
    if government.is_prefecture:
        # 埼玉県秩父市… is 秩父市, not 埼玉県: a department holds no municipality.
        plain = rest
        for word in _NOT_MUNICIPAL:
            plain = plain.replace(word, "")
        if any(mark in plain for mark in "市町村") or "役所" in rest or "役場" in rest:
            return False
    elif ward := _WARD.match(rest):
        rest = rest[ward.end() :]
        if not rest:
            return True
    return len(rest) > 1 and (rest == "議会" or rest.endswith(_DEPARTMENT_SUFFIXES))


class Organisations:
    """Identity keys of organisation names, against the governments one check knows and the
    office's aliases (``written_key`` → canonical name)."""

    def __init__(
        self, governments: Iterable[KnownGovernment] = (), aliases: Mapping[str, str] | None = None
    ) -> None:
        prefectures = [
            KnownGovernment(k, k, with_check_digit(f"{c}000")) for k, c in _PREFECTURE_KEYS.items()
        ]
        # Longest name first (市川三郷町 before 市川市); of one name, a coded one first.
        self.governments = sorted(
            [*governments, *prefectures], key=lambda g: (-len(g.name), g.code is None)
        )
        self.aliases = dict(aliases or {})

    def identity(self, written: str) -> str:
        """The organisation's identity key: ``lg:<code>`` for a known government, else
        ``org:<key>``."""
        text, had_legal_form = _trim(_segments(written))
        seen = {text}
        while text in self.aliases:  # followed to the end; a cycle stops where it closes
            text, had_legal_form = _trim(_segments(self.aliases[text]))
            if text in seen:
                break
            seen.add(text)
        if not had_legal_form:
            for government in self.governments:
                if self._names(text, government):
                    return government.identity
            if bare := _bare_government(text):
                return f"org:{bare}"
        return f"org:{text}"

    def _names(self, text: str, government: KnownGovernment) -> bool:
        prefixes = [""]
        if not government.is_prefecture:
            prefixes += [government.prefecture] if government.prefecture else list(_PREFECTURE_KEYS)
        for prefix in prefixes:
            head = prefix + government.name
            if text.startswith(head) and _government_rest(text[len(head) :], government):
                return True
        return False

    def government_identity(self, code: str) -> str:
        return f"lg:{government_code(code)}"
