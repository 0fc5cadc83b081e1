"""Organisation identity (``services/review/reviewers/organisations.py``): written forms that are
one organisation, and forms that are not, as a table; then the conflict reasons built on it."""

from __future__ import annotations

import pytest

from services.review.reviewers.conflicts import ConflictSubject, conflict_reasons
from services.review.reviewers.organisations import (
    KnownGovernment,
    Organisations,
    government_code,
    written_key,
)

ASAHIKAWA = "012041"  # 北海道旭川市
TOYAMA = "162019"  # 富山県富山市
SAPPORO = "011002"  # 北海道札幌市 (政令指定都市)
FUCHU_HIROSHIMA = "342084"  # 広島県府中市

KNOWN = [
    KnownGovernment.of("旭川市", code=ASAHIKAWA, prefecture="北海道"),
    KnownGovernment.of("富山市", code=TOYAMA, prefecture="富山県"),
    KnownGovernment.of("札幌市", code=SAPPORO, prefecture="北海道"),
    KnownGovernment.of("府中市", code=FUCHU_HIROSHIMA, prefecture="広島県"),
]
ALIASES = {written_key("ドコモ"): "株式会社NTTドコモ", written_key("道庁"): "北海道"}

SAME = [
    # 法人格 before or after, full, abbreviated, every width
    ("株式会社未来交通", "（株）未来交通"),
    ("株式会社未来交通", "(株)未来交通"),
    ("株式会社未来交通", "㈱未来交通"),
    ("株式会社未来交通", "未来交通株式会社"),
    ("株式会社未来交通", "未来交通㍿"),
    ("株式会社未来交通", "株式会社　未来交通"),
    ("株式会社ミライ", "(株)ﾐﾗｲ"),
    ("有限会社Ｘ", "㈲X"),
    ("有限会社X", "(有)X"),
    ("合同会社X", "X合同会社"),
    ("一般社団法人スマートシティ協会", "(一社)スマートシティ協会"),
    ("一般財団法人X", "（一財）X"),
    ("公益社団法人X", "(公社)X"),
    ("公益財団法人埼玉県産業振興公社", "(公財)埼玉県産業振興公社"),
    ("国立大学法人 東京大学", "東京大学"),
    ("独立行政法人X機構", "(独)X機構"),
    ("国立研究開発法人 産業技術総合研究所", "産業技術総合研究所"),
    ("学校法人早稲田大学", "早稲田大学"),
    ("特定非営利活動法人ABC", "NPO法人ABC"),
    ("特定非営利活動法人ABC", "ＮＰＯ法人　ＡＢＣ"),
    ("Hitachi, Ltd.", "HITACHI"),
    ("Example Co., Ltd.", "example"),
    ("髙島屋", "高島屋"),
    # a unit of an organisation is the organisation
    ("株式会社未来交通", "株式会社未来交通 技術開発部"),
    ("東京大学", "東京大学大学院工学系研究科"),
    ("東京大学", "東京大学 大学院 情報学環"),
    ("産業技術総合研究所", "国立研究開発法人 産業技術総合研究所 人工知能研究センター"),
    # local governments: with or without prefecture, office, ward, department
    ("旭川市", "北海道旭川市"),
    ("旭川市", "旭川市役所"),
    ("旭川市", "旭川市 総合政策部"),
    ("旭川市", "旭川市総合政策部"),
    ("旭川市", "北海道 旭川市役所 総合政策部スマートシティ推進課"),
    ("旭川市", "旭川市教育委員会"),
    ("旭川市", "旭川市議会"),
    ("札幌市", "札幌市中央区役所"),
    ("札幌市", "札幌市 中央区"),
    ("北海道", "北海道庁"),
    ("北海道", "北海道総合政策部"),
    ("北海道", "北海道 上川総合振興局"),
    ("東京都", "東京都庁"),
    ("東京都", "東京都都市整備局"),
    ("富山県", "富山県庁"),
    ("富山市", "富山県富山市"),
    ("府中市", "広島県府中市"),
    ("府中市役所", "府中市"),  # named without prefecture: flagged, not missed
    # a municipality the check does not know by code, by its office
    ("四日市市", "四日市市役所"),
    ("十日町市", "新潟県十日町市役所"),
    # the office's aliases
    ("ドコモ", "株式会社NTTドコモ"),
    ("(株)ドコモ", "NTTドコモ株式会社 法人営業本部"),
    ("道庁", "北海道"),
]

DIFFERENT = [
    ("株式会社未来交通", "未来交通大学"),
    ("株式会社未来交通", "株式会社未来交通システム"),
    ("旭川市", "旭川市立大学"),
    ("旭川市", "公立大学法人旭川市立大学"),
    ("旭川市", "旭川市民病院"),
    ("旭川市", "北海道"),
    ("旭川市", "北海道庁"),
    ("旭川市", "旭川大学"),
    ("北海道", "北海道大学"),
    ("北海道", "北海道医療センター"),
    ("北海道", "北海道電力株式会社"),
    ("富山市", "富山県"),
    ("富山市", "富山市場"),
    ("富山県", "富山県立大学"),
    ("東京都", "東京都港区役所"),
    ("東京都", "東京都立大学"),
    ("静岡県", "静岡県公立大学法人"),
    ("府中市", "東京都府中市役所"),  # 広島県府中市 is known; Tokyo's is another city
    ("東京大学", "東京工業大学"),
    ("京都大学", "京都産業大学"),
    ("早稲田大学", "早稲田大学生活協同組合"),
    ("NPO法人 スマートシティ推進センター", "スマートシティ推進機構"),
    ("札幌市", "札幌市立大学"),
    ("株式会社", "有限会社"),
]


@pytest.fixture(scope="module")
def organisations() -> Organisations:
    return Organisations(KNOWN, ALIASES)


@pytest.mark.parametrize(("one", "other"), SAME)
def test_written_forms_of_one_organisation_match(
    organisations: Organisations, one: str, other: str
) -> None:
    assert organisations.identity(one) == organisations.identity(other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_organisations_do_not_match(
    organisations: Organisations, one: str, other: str
) -> None:
    assert organisations.identity(one) != organisations.identity(other)


def test_known_governments_key_by_code_and_wards_by_their_city() -> None:
    organisations = Organisations(KNOWN)
    assert organisations.identity("北海道旭川市役所") == f"lg:{ASAHIKAWA}"
    assert organisations.identity("北海道") == "lg:010006"
    assert government_code("011011") == SAPPORO  # 札幌市中央区 is 札幌市
    assert government_code(ASAHIKAWA) == ASAHIKAWA
    assert organisations.government_identity("011011") == f"lg:{SAPPORO}"


def test_aliases_are_followed_to_the_end_and_a_cycle_stops() -> None:
    chain = {written_key("A社"): "B社", written_key("B社"): "株式会社C"}
    assert Organisations(aliases=chain).identity("(株)A社") == Organisations().identity("C")
    cycle = {written_key("X"): "Y", written_key("Y"): "X"}
    assert Organisations(aliases=cycle).identity("X") in {"org:x", "org:y"}


TOYAMA_SUBJECT = ConflictSubject.of(
    proposers=[{"lg_code": TOYAMA, "name": "富山市", "prefecture": "富山県"}],
    council_members=[
        {"organisation": "富山市", "lg_code": TOYAMA, "category": "local_government"},
        {"organisation": "（株）未来交通", "category": "private_company"},
        {"organisation": "国立大学法人富山大学", "category": "university"},
        {"organisation": "立山町", "category": "local_government"},
    ],
)


@pytest.mark.parametrize(
    ("organisation", "lg_code", "expected"),
    [
        ("未来交通株式会社 技術開発部", None, ["「（株）未来交通」"]),
        ("富山大学 学術研究部", None, ["「国立大学法人富山大学」"]),
        ("富山市役所 企画管理部", None, ["「富山市」と同じ", "提案団体「富山市」"]),
        ("富山県富山市", None, ["「富山市」と同じ", "提案団体「富山市」"]),
        ("総務省", TOYAMA, ["（162019）は当該事業", "提案団体「富山市」"]),
        ("立山町役場 企画政策課", None, ["「立山町」"]),
        ("富山県庁", None, []),
        ("富山県立大学", None, []),
        ("東京大学", None, []),
    ],
)
def test_conflict_reasons_name_the_member_or_proposer(
    organisation: str, lg_code: str | None, expected: list[str]
) -> None:
    reasons = conflict_reasons(
        organisation=organisation, lg_code=lg_code, subject=TOYAMA_SUBJECT, aliases={}
    )
    assert len(reasons) == len(expected), reasons
    for reason, fragment in zip(reasons, expected, strict=True):
        assert fragment in reason


def test_an_alias_makes_a_conflict_the_written_names_hide() -> None:
    subject = ConflictSubject.of(
        proposers=[{"lg_code": TOYAMA, "name": "富山市", "prefecture": "富山県"}],
        council_members=[{"organisation": "株式会社NTTドコモ", "category": "private_company"}],
    )
    without = conflict_reasons(organisation="ドコモ", lg_code=None, subject=subject, aliases={})
    assert without == []
    with_alias = conflict_reasons(
        organisation="ドコモ", lg_code=None, subject=subject, aliases=ALIASES
    )
    assert len(with_alias) == 1 and "株式会社NTTドコモ" in with_alias[0]
