"""Rule codes only the registry gives: its bodies, its queries and its file imports (local
governments, designations, projects: a file's problems name ``line[N].<column>``)."""

from __future__ import annotations

from services.problem_catalogue.vocabulary import REGISTRY, rule

REGISTRY_RULES = (
    rule(
        "not_null",
        "null は指定できない。変えない項目は省略する"
        "（null is not accepted: leave the field out to keep it unchanged）",
        REGISTRY,
    ),
    rule("max_length", "文字数が上限を超える（longer than the field allows）", REGISTRY),
    rule(
        "after_starts_at",
        "終了時刻が開始時刻より後でない（ends_at must be after starts_at）",
        REGISTRY,
    ),
    rule(
        "within_fiscal_year",
        "開始日がシンポジウムの年度の期間外（starts_at is outside the symposium's fiscal year）",
        REGISTRY,
    ),
    rule(
        "within_term",
        "日付や年度が事業の支援期間外（a day or fiscal year outside the project's support term）",
        REGISTRY,
    ),
    rule(
        "not_future",
        "決定日が今日より後（a decision day after today）",
        REGISTRY,
    ),
    rule(
        "capacity_set_in_notify",
        "定員は台帳では変えられない。通知サービスの PUT /v1/symposia/{id}/capacity で変える"
        "（the capacity is changed at notify's PUT /v1/symposia/{id}/capacity）",
        REGISTRY,
    ),
    rule(
        "category",
        "地方公共団体コードは category が local_government の構成員にだけ指定できる"
        "（lg_code is only for local_government members）",
        REGISTRY,
    ),
    rule(
        "exactly_one",
        "project_id と council_id のどちらか一方だけを指定する"
        "（give exactly one of project_id and council_id）",
        REGISTRY,
    ),
    rule(
        "not_found",
        "関連付ける事業または協議会が見つからない（the project or council to link does not exist）",
        REGISTRY,
    ),
    rule(
        "one_lead",
        "代表提案者（is_lead）がちょうど1団体でない（exactly one proposer must lead）",
        REGISTRY,
    ),
    rule(
        "technology",
        "主な活用技術の語彙にない（not in the technology vocabulary）",
        REGISTRY,
    ),
    rule(
        "prefecture",
        "都道府県を特定できない。01〜47 か都道府県名を指定する（give 01–47 or a prefecture name）",
        REGISTRY,
    ),
    rule(
        "prefecture_mismatch",
        "都道府県がコードの都道府県と合わない（the prefecture is not the code's）",
        REGISTRY,
    ),
    rule(
        "prefecture_name",
        "都道府県のコードの団体名が、その都道府県名と合わない"
        "（a prefecture code's name must be the prefecture's）",
        REGISTRY,
    ),
    rule(
        "prefecture_row",
        "都道府県のコードの行は市区町村名を空にする"
        "（a prefecture code's row leaves 市区町村名 empty）",
        REGISTRY,
    ),
    rule(
        "katakana",
        "カナがカタカナ（200文字以内）でない（kana must be katakana, at most 200 characters）",
        REGISTRY,
    ),
    rule(
        "name_mismatch",
        "団体名がコードの団体と合わない（the name is not the code's local government's）",
        REGISTRY,
    ),
    rule(
        "designated_city",
        "政令指定都市かどうかはコードで決まり、その値と合わない"
        "（whether it is a designated city follows from the code）",
        REGISTRY,
    ),
    rule(
        "boolean",
        "○ か空欄（1、true も可）でない（○, 1, true or empty）",
        REGISTRY,
    ),
    rule(
        "not_registered",
        "コードの団体が登録されていない。先に団体コード一覧を取り込む"
        "（not registered: import the code list first）",
        REGISTRY,
    ),
    rule(
        "empty",
        "ファイルが空か、データ行がない（the file is empty, or has no data rows）",
        REGISTRY,
    ),
    rule(
        "missing_column",
        "見出し行に必要な列がない（the header lacks a required column）",
        REGISTRY,
    ),
    rule(
        "unknown_column",
        "見出し行に知らない列がある（事業の取り込み）（the header has a column the project "
        "import does not know）",
        REGISTRY,
    ),
    rule(
        "too_many",
        "一つの欄に並べた件数が上限を超える（提案者、主な活用技術）"
        "（more items in one cell than a project has: proposers, technologies）",
        REGISTRY,
    ),
    rule(
        "exists",
        "同じ選定年度・タイトルの事業が登録済み（a project with this selection year and title "
        "exists）",
        REGISTRY,
    ),
    rule(
        "derived_term",
        "支援開始・支援終了・延長回数が、選定年度から決まる値と合わない"
        "（the term's start, end or extensions disagree with those the selection year gives）",
        REGISTRY,
    ),
)
