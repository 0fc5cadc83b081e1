"""Every extension member a problem carries beside RFC 9457's own, and the problem types that
carry it (``type``, ``title``, ``status``, ``detail``, ``instance`` and ``errors`` are every
problem's, described on the index page)."""

from __future__ import annotations

from services.problem_catalogue.vocabulary import (
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    RULE_VIOLATION,
    VALIDATION,
    member,
)

_ETAG = ("precondition-failed", "precondition-required")
_UNAVAILABLE = "unavailable"

MEMBERS = (
    member(
        "offered",
        "この操作が応答できる形式（the media types this operation answers in）",
        "not-acceptable",
    ),
    member(
        "accepted",
        "この操作が受け付ける本文の形式（the body media types this operation takes）",
        "unsupported-media-type",
    ),
    member(
        "rule",
        "破った規則のコード（the code of the rule broken: see the rule codes）",
        RULE_VIOLATION,
        CONFLICT,
        FORBIDDEN,
    ),
    member(
        "current_etag",
        "現在の ETag。読み直して If-Match に送る（the current ETag, to send as If-Match）",
        *_ETAG,
    ),
    member("state", "リソースの現在の状態（the resource's current state）", CONFLICT),
    member("event", "拒否された操作（the event refused）", CONFLICT),
    member(
        "allowed_events",
        "現在の状態で許される操作（the events the current state allows）",
        CONFLICT,
    ),
    member(
        "service",
        "応答しなかった、または拒否した相手（database、registry …）"
        "（what did not answer or refused: database, registry …）",
        _UNAVAILABLE,
    ),
    member(
        "registry_status",
        "台帳サービスが返した HTTP ステータス（the status the registry answered with）",
        CONFLICT,
        "registry-rejected",
        _UNAVAILABLE,
    ),
    member(
        "allowed",
        "指定できる値（このお知らせの種類に指定できる宛先）"
        "（the values accepted: the audiences this kind of campaign takes）",
        VALIDATION,
    ),
    member("kind", "お知らせの種類（the kind of campaign）", VALIDATION),
    member(
        "expected_check_digit",
        "地方公共団体コードの正しいチェックデジット（the check digit the code should have）",
        VALIDATION,
    ),
    member("dedupe_key", "使用済みの dedupe_key（the dedupe_key already used）", VALIDATION),
    member(
        "max_bytes",
        "ファイルの上限（バイト）（the file's cap in bytes）",
        VALIDATION,
    ),
    member("max_rows", "データ行の上限（the cap on data rows）", VALIDATION),
    member(
        "error_count",
        "ファイルの誤りの総数。errors には最初の100件（every problem of the file, counted; "
        "errors lists the first 100）",
        VALIDATION,
    ),
    member("line_count", "誤りのある行の数（how many lines are bad）", VALIDATION),
    member(
        "lines",
        "誤りのある行の番号（最初の100）（the bad lines' numbers, the first 100）",
        VALIDATION,
    ),
    member(
        "announcement_effective_on",
        "選定結果の公表日。それまでは見つからない（the day the results are announced: until "
        "then they are not found）",
        NOT_FOUND,
    ),
    member(
        "programme",
        "事業（プログラム）: 規則の対象の事業、または審査員のトークンの事業"
        "（the programme: the one the rule is about, or the reviewer token's）",
        RULE_VIOLATION,
        FORBIDDEN,
    ),
    member(
        "reviewer_subject",
        "審査員の subject（the reviewer's subject）",
        CONFLICT,
        FORBIDDEN,
    ),
    member(
        "reasons",
        "利益相反の理由（the reasons for the conflict of interest）",
        CONFLICT,
        FORBIDDEN,
    ),
    member(
        "code",
        "登録済みの地方公共団体コード（the local government code registered already）",
        CONFLICT,
    ),
    member(
        "contact_id",
        "このメールアドレスの連絡先の ID（呼び出し元が読める場合）"
        "（the contact holding this address, when the caller may read it）",
        CONFLICT,
    ),
    member(
        "figure_id",
        "このキーの公表数値の ID（the published figure holding this key）",
        CONFLICT,
    ),
    member(
        "member_id",
        "この団体の構成員の ID（the council member for this organisation）",
        CONFLICT,
    ),
    member("link_id", "既にある関連付けの ID（the existing link）", CONFLICT),
    member(
        "project_id",
        "既に協議会がある事業の ID（the project that has a council already）",
        CONFLICT,
    ),
    member(
        "fiscal_year",
        "年度（同じ年度・回のシンポジウム、国費の年度、新規申請を数える年度）"
        "（the fiscal year: of a symposium with this number, of the funding, of the quota）",
        CONFLICT,
        RULE_VIOLATION,
    ),
    member("number", "シンポジウムの回（the symposium's number in its fiscal year）", CONFLICT),
    member("subject", "登録済みの審査員の subject（the reviewer registered already）", CONFLICT),
    member(
        "written_key",
        "別名の表記の検索キー（the search key of the alias's written form）",
        CONFLICT,
    ),
    member(
        "application_id",
        "既にある継続申請書の ID（the application made already）",
        CONFLICT,
    ),
    member("cycle_id", "既にある継続審査の ID（the cycle opened already）", CONFLICT),
    member("attending", "出席者の数（how many attend）", CONFLICT),
    member("capacity", "求めた定員（the capacity asked for）", CONFLICT),
    member("email", "配信停止中の宛先（the suppressed address）", CONFLICT),
    member(
        "campaign_id",
        "既にある、または進行中のキャンペーンの ID（the campaign made already, or under way）",
        CONFLICT,
    ),
    member("campaign_status", "そのキャンペーンの状態（that campaign's status）", CONFLICT),
    member("symposium_status", "シンポジウムの状態（the symposium's status）", CONFLICT),
    member("symposium_format", "シンポジウムの開催形式（the symposium's format）", CONFLICT),
    member("ends_at", "シンポジウムの終了時刻（the symposium's end）", CONFLICT),
    member(
        "draft_sequence",
        "下書きを作成したときのシンポジウムの変更番号（the symposium's sequence when drafted）",
        CONFLICT,
    ),
    member(
        "symposium_sequence",
        "シンポジウムの現在の変更番号（the symposium's sequence now）",
        CONFLICT,
    ),
    member("opens_at", "申請受付の開始日時（when applications open）", RULE_VIOLATION),
    member(
        "deadline",
        "申請締切（休日を避けた実際の日時）（the deadline as it applies）",
        RULE_VIOLATION,
    ),
    member(
        "requested_deadline",
        "事務局が指定した申請締切（the deadline as the office set it, before closed days moved "
        "it）",
        RULE_VIOLATION,
    ),
    member(
        "grace_until",
        "この事業に認めた猶予期限。なければ null（the project's grace period end, or null）",
        RULE_VIOLATION,
    ),
    member("call_opens_on", "公募開始日（the call's opening day）", RULE_VIOLATION),
    member(
        "deadline_effective_at",
        "延長を含む実際の応募締切（the application deadline as it applies, extensions included）",
        RULE_VIOLATION,
    ),
    member("scheme", "交付金の種類の ID（the grant scheme's id）", RULE_VIOLATION),
    member(
        "quota_group",
        "申請上限件数を数える交付金のグループ（the group of schemes the quota counts over）",
        RULE_VIOLATION,
    ),
    member(
        "applicant_kind",
        "申請者の種類: prefecture、central_core_city、municipality"
        "（the applicant's kind: prefecture, central_core_city or municipality）",
        RULE_VIOLATION,
    ),
    member(
        "lg_code",
        "申請者の地方公共団体コード（the applicant's local government code）",
        RULE_VIOLATION,
    ),
    member("quota", "件数の上限（the quota）", RULE_VIOLATION),
    member(
        "existing",
        "既に数えた新規申請の件数（the new applications counted already）",
        RULE_VIOLATION,
    ),
    member("selected", "選定済みの件数（the selections made）", RULE_VIOLATION),
    member("budget_yen", "事業の予算（円）（the programme's budget, yen）", RULE_VIOLATION),
    member("selected_yen", "選定済みの額（円）（the amount selected, yen）", RULE_VIOLATION),
    member("requested_yen", "申請額（円）（the amount asked for, yen）", RULE_VIOLATION),
    member("cap_yen", "年度の交付上限額（円）（the yearly cap, yen）", RULE_VIOLATION),
    member(
        "max_years",
        "交付金の事業期間の最長（年度）（the scheme's longest term, years）",
        RULE_VIOLATION,
    ),
    member(
        "requested_years", "申請した事業期間（年度）（the term asked for, years）", RULE_VIOLATION
    ),
    member("required", "事業要件の数（how many conditions the scheme has）", RULE_VIOLATION),
    member("met", "満たした事業要件の数（how many are met）", RULE_VIOLATION),
    member("given", "指定された事業要件の数（how many were given）", RULE_VIOLATION),
    member("missing", "満たしていない事業要件（the conditions not met）", RULE_VIOLATION),
    member("as_of", "コマンドの --as-of（the command's --as-of）", RULE_VIOLATION),
    member("now", "コマンドを実行した時刻（when the command ran）", RULE_VIOLATION),
)
