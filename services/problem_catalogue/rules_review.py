"""Rule codes only the review service gives: the continuation review, the joint review and its
results table import."""

from __future__ import annotations

from libs.common.problem_catalogue import RuleCode
from services.problem_catalogue.vocabulary import (
    CONFLICT,
    FORBIDDEN,
    REVIEW,
    RULE_VIOLATION,
    rule,
)


def _domain(code: str, meaning: str) -> RuleCode:
    """A domain rule the ``rule`` member of a 422 rule-violation names."""
    return rule(code, meaning, REVIEW, problems=(RULE_VIOLATION,))


REVIEW_RULES = (
    rule(
        "date_order",
        "日付の順序が誤っている（公募開始 ≤ 締切 ≤ 審査期限 ≤ 公表日、継続審査の各期限）"
        "（dates out of order: call opening ≤ deadline ≤ review due ≤ announcement, or a "
        "cycle's dates）",
        REVIEW,
    ),
    rule(
        "decision_after_term_end",
        "決定期限が支援期間の終了日より後（a decision due after the term ends could not extend "
        "it）",
        REVIEW,
    ),
    rule(
        "grace_window",
        "猶予期限は締切より後、支援期間の終了日まで（until must fall after the deadline and "
        "within the term）",
        REVIEW,
    ),
    rule(
        "unknown_programme",
        "事業（プログラム）を特定できない。ID か記号で指定する"
        "（names no programme: give its id or its mark）",
        REVIEW,
    ),
    rule(
        "not_in_round",
        "この回の参加事業ではない（not a programme of this round）",
        REVIEW,
    ),
    rule(
        "not_applied",
        "この申請はその事業に申請していない（the application did not apply to the programme）",
        REVIEW,
    ),
    rule(
        "unknown_scheme",
        "台帳に交付金の種類がない（not in the registry's /v1/grant-schemes）",
        REVIEW,
    ),
    rule(
        "unknown_local_government",
        "台帳に地方公共団体がない（the local government is not in the registry）",
        REVIEW,
    ),
    rule(
        "lead_not_member",
        "代表団体が lg_codes に含まれない（the lead must be one of lg_codes）",
        REVIEW,
    ),
    rule(
        "funding_year",
        "国費の年度が事業期間外か重複している（each funding year once, within the project）",
        REVIEW,
    ),
    rule(
        "unknown_reviewer",
        "登録されていない審査員（register the reviewer first）",
        REVIEW,
    ),
    rule(
        "empty_organisation",
        "空白と法人格を除くと団体名が残らない"
        "（no organisation name is left once spaces and 法人格 are folded）",
        REVIEW,
    ),
    rule(
        "alias_cycle",
        "別名が循環する（the canonical name leads back to the written form）",
        REVIEW,
    ),
    rule(
        "alias_exists",
        "この表記の別名は登録済み（an alias for this written form exists）",
        REVIEW,
        problems=(CONFLICT,),
    ),
    rule(
        "decided",
        "この継続申請書は決定済み（the application has been decided）",
        REVIEW,
        problems=(CONFLICT,),
    ),
    rule(
        "conflict_of_interest",
        "利益相反: 審査員が事業の関係者。reasons が理由（conflict of interest: reasons says why）",
        REVIEW,
        problems=(CONFLICT, FORBIDDEN),
    ),
    rule(
        "header",
        "見出し行が選定結果表の形式でない（not the results table's header）",
        REVIEW,
    ),
    rule(
        "fiscal_year_future",
        "まだ始まっていない年度の選定結果表（no results table can exist for a fiscal year not "
        "yet begun）",
        REVIEW,
    ),
    rule(
        "fiscal_year_mismatch",
        "表の年度が取り込み先の年度と違う（the file states another fiscal year）",
        REVIEW,
    ),
    rule(
        "unknown_mark",
        "凡例にない記号（a mark not in the legend）",
        REVIEW,
    ),
    rule(
        "mark_not_in_fiscal_year",
        "その年度の表にはありえない事業の記号（その事業の選定はもっと後の年度から）"
        "（a programme whose selections began after this fiscal year）",
        REVIEW,
    ),
    rule(
        "mark_not_in_earlier_years",
        "過年度選定に、その年度より前にはなかった事業の記号"
        "（an earlier selection by a programme that had none before this fiscal year）",
        REVIEW,
    ),
    rule(
        "duplicate_region",
        "選定結果表で地域が重複している（a region listed twice in the results table）",
        REVIEW,
    ),
    rule(
        "count_mismatch",
        "表に書かれた件数が表の行から数えた数と合わない（a stated count disagrees with the rows）",
        REVIEW,
    ),
    _domain(
        "application_opening",
        "申請受付の開始前。opens_at が開始日時（applications are not open yet: opens_at）",
    ),
    _domain(
        "application_deadline",
        "申請締切を過ぎている。deadline、requested_deadline、grace_until が示す"
        "（the application deadline has passed: deadline, requested_deadline, grace_until）",
    ),
    _domain(
        "application_window",
        "公募開始から（延長後の）締切までの期間外の応募"
        "（outside the call: call_opens_on to deadline_effective_at）",
    ),
    _domain(
        "round_close_before_deadline",
        "応募締切前に回を締め切るには force と理由が要る"
        "（closing before the deadline needs force and a reason: deadline_effective_at）",
    ),
    _domain(
        "max_years",
        "事業期間が交付金の最長年数を超える（longer than the scheme allows: max_years）",
    ),
    _domain(
        "yearly_cap",
        "ある年度の国費が交付上限額を超える（a year's funding over the scheme's cap: cap_yen）",
    ),
    _domain(
        "society5_conditions",
        "交付金の事業要件をすべて満たしていない（not every condition of the scheme is met: "
        "required, met, missing）",
    ),
    _domain(
        "new_application_quota",
        "申請者の年度の新規申請件数の上限（the applicant's quota of new applications: quota, "
        "existing）",
    ),
    _domain(
        "wide_area_quota",
        "広域連携事業の新規申請件数の上限（the quota of wide-area applications: quota, existing）",
    ),
    _domain(
        "programme_quota",
        "事業の選定数の上限（the programme's quota of selections: quota, selected）",
    ),
    _domain(
        "programme_budget",
        "選定が事業の予算を超える（the selection would exceed the programme's budget: "
        "budget_yen, selected_yen, requested_yen）",
    ),
    _domain(
        "sweep_as_of_future",
        "コマンドの --as-of が未来の日時（取り消せない処理が今日行われる）"
        "（a command's --as-of is in the future: irreversible work would be done today）",
    ),
)
