"""Rule codes the kernel gives (every service, or those that use its part) and codes more than one
service gives."""

from __future__ import annotations

from services.problem_catalogue.vocabulary import (
    CONFLICT,
    EVERY_SERVICE,
    NOTIFY,
    REGISTRY,
    REVIEW,
    VALIDATION,
    rule,
)

SHARED_RULES = (
    rule(
        "body_unparsable",
        "本文を解釈できない（UTF-8 でない JSON、壊れた multipart）"
        "（the body cannot be parsed: JSON that is not UTF-8, a broken multipart form）",
        *EVERY_SERVICE,
    ),
    rule(
        "cursor",
        "cursor が改変・偽造・切り詰めされたか、別の一覧のもの。最初のページから読み直す"
        "（the cursor was edited, forged, truncated or is another list's: start from the first "
        "page）",
        *EVERY_SERVICE,
    ),
    rule(
        "idempotency_key_reused",
        "この Idempotency-Key は別の内容の要求に使われている（the key was used for a different "
        "request: a new request needs a new key）",
        *EVERY_SERVICE,
    ),
    rule(
        "unknown_parameter",
        "この操作が受け付けないクエリパラメータ（a query parameter the operation does not take; "
        "the message names those it takes）",
        *EVERY_SERVICE,
    ),
    rule(
        "nul_character",
        "テキストに NUL 文字（U+0000）がある（text holds a NUL character）",
        *EVERY_SERVICE,
    ),
    rule(
        "out_of_range",
        "日付または数値が扱える範囲を超える（a date or number outside what the rules work with）",
        *EVERY_SERVICE,
    ),
    rule(
        "state_transition",
        "現在の状態ではその操作ができない。state、event、allowed_events が示す（the current state "
        "does not allow the event: state, event and allowed_events say which）",
        *EVERY_SERVICE,
        problems=(CONFLICT,),
    ),
    rule(
        "required",
        "必須の値がない（ファイル、列の値、本文の項目、テンプレートの値）"
        "（a required value is missing: the file, a column's cell, a field, a template's value）",
        *EVERY_SERVICE,
    ),
    rule(
        "csv",
        "CSV として読めない行がある（a line that is not CSV）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "encoding",
        "文字コードを判別できない。UTF-8（BOM 可）か Shift_JIS で保存する"
        "（not UTF-8, UTF-8 with BOM or Shift_JIS/cp932）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "too_large",
        "ファイルが上限を超える。max_bytes が上限（the file is over its cap, max_bytes）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "too_many_rows",
        "データ行が上限を超える。max_rows が上限（more data rows than max_rows）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "format",
        "地方公共団体コードの形式が誤っている（6桁の数字、都道府県は01〜47、市区町村の部分）"
        "（not a local government code: six digits, prefecture 01–47, a municipal part in range）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "check_digit",
        "地方公共団体コードのチェックデジットが合わない。expected_check_digit が正しい数字"
        "（the check digit of a local government code is wrong: expected_check_digit）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "fiscal_year",
        "年度として解釈できないか、扱える範囲外（2021、R3、令和3年度 など）"
        "（not a fiscal year, or one out of range: 2021, R3, 令和3年度 …）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "date",
        "日付として解釈できないか、存在しない日付（2021-03-31、令和3年3月31日 など）"
        "（not a date, or no such date: 2021-03-31, 令和3年3月31日 …）",
        *EVERY_SERVICE,
    ),
    rule(
        "email",
        "メールアドレスの形式が正しくない（not an e-mail address）",
        REGISTRY,
        NOTIFY,
    ),
    rule(
        "duplicate",
        "同じ値が重複している（提案者、行、年度、事業、項番）"
        "（given twice: a proposer, a line, a fiscal year, a programme, an item number）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "integer",
        "整数でない（延長回数、項番）（not an integer: a number of extensions, an item number）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "unknown",
        "登録されていないものを指している（地方公共団体、都道府県、事業、この回の申請）"
        "（names nothing registered: a local government, a prefecture, a programme, an "
        "application of this round）",
        REGISTRY,
        REVIEW,
    ),
    rule(
        "kind",
        "種類に合わない: 団体の種類にない指定、未知のメッセージ種別、キャンペーンから送る種別"
        "（does not fit the kind: a designation the local government's kind cannot have, an "
        "unknown message kind, or one sent through campaigns）",
        REGISTRY,
        NOTIFY,
    ),
    rule(
        "unique",
        "既に登録されている値（メールアドレス、公表数値のキー、協議会の構成団体）か、要求の中で"
        "重複した決定 ID（already registered: an e-mail address, a figure's key, a council's "
        "member; or a decision id given twice in one request）",
        REGISTRY,
        problems=(VALIDATION, CONFLICT),
    ),
)
