"""Every problem type the services answer with: the slug, status and title each problem class
carries (tests/kernel/test_problem_catalogue.py holds them equal), when it happens and what the
client should do."""

from __future__ import annotations

from libs.common.problem_catalogue import ProblemType
from services.problem_catalogue.vocabulary import EVERY_SERVICE, NOTIFY, REVIEW

PROBLEM_TYPES: tuple[ProblemType, ...] = (
    ProblemType(
        "invalid-link",
        400,
        "リンクが無効か、有効期限が切れています",
        "Invalid or expired link",
        "出欠回答・配信停止のリンクが改変されているか期限切れか、シンポジウムを示していないとき。"
        "リンクから開くページは、これを HTML で表示する（an RSVP or unsubscribe link was altered, "
        "has expired or names no symposium; the pages the links open show it as HTML）",
        "最新のご案内メールのリンクから開き直す（open the link in the latest letter）",
        (NOTIFY,),
    ),
    ProblemType(
        "unauthorized",
        401,
        "認証が必要です",
        "Authentication required",
        "Authorization: Bearer のトークンがないか、検証できない（署名・発行者・有効期限・寿命）とき"
        "（the bearer token is missing or does not verify: its signature, issuer, expiry or "
        "lifetime）",
        "有効なトークンで送り直す。WWW-Authenticate と detail が理由を示す"
        "（send a valid token; WWW-Authenticate and detail say what was wrong）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "forbidden",
        403,
        "この操作の権限がありません",
        "Not allowed",
        "トークンのロールや範囲（地方公共団体・事業）ではできない操作のとき。審査員の利益相反"
        "（rule conflict_of_interest）もこれ（the token's role or scope, its local government or "
        "programme, may not do this; a reviewer's conflict of interest too）",
        "そのまま繰り返さない。権限のある利用者に依頼する"
        "（do not retry as is: ask someone whose role may do it）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "not-found",
        404,
        "見つかりません",
        "Not found",
        "指定した ID・コードのリソースがないとき。公表前の選定結果もこれ"
        "（announcement_effective_on）（nothing has this id or code; results before their "
        "announcement too）",
        "ID やパスを確かめ、一覧から選び直す（check the id or the path, or pick it from its list）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "conflict",
        409,
        "現在の状態と競合しています",
        "Conflicts with the current state",
        "リソースの現在の状態ではできない操作（rule state_transition など）か、作ろうとしたものが"
        "既にあるとき（errors の rule unique、既にあるものの ID）（the resource's state does not "
        "allow it, rule state_transition and others, or what it would create exists already: "
        "errors with rule unique, the existing one's id）",
        "rule と拡張メンバーを見て、リソースを読み直してから決める。同じ要求は同じ答えになる"
        "（read rule and the members, read the resource again and decide; the same request gets "
        "the same answer）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "precondition-failed",
        412,
        "リソースが更新されています（ETag 不一致）",
        "Precondition failed: the resource changed",
        "If-Match の ETag が現在の版と違うか、処理中に他の要求が変更したとき"
        "（If-Match names an older version, or another request changed the resource meanwhile）",
        "読み直し、その ETag（current_etag）を If-Match にして変更を送り直す"
        "（read the resource again and send the change with its ETag, current_etag, as If-Match）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "request-body-too-large",
        413,
        "Request Entity Too Large",
        "Request Entity Too Large",
        "本文が上限（MAX_BODY_BYTES、取り込みはそれぞれの上限）を超えるとき。本文は読まれない"
        "（the body is over the limit, MAX_BODY_BYTES or an import's own: it is not read）",
        "本文を小さくする（ファイルを分ける）（send a smaller body: split the file）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "not-acceptable",
        406,
        "要求された形式では応答できません",
        "Not acceptable",
        "Accept ヘッダーが、この操作の応答の形式（JSON、CSV、XLSX、HTML）のどれも許さないとき"
        "（Accept allows none of the types this operation answers in）",
        "offered の形式のどれかを Accept に含めて送り直す（send it again accepting one of "
        "`offered`）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "unsupported-media-type",
        415,
        "この形式は受け付けられません",
        "Unsupported media type",
        "本文の Content-Type をこの操作が受け付けないとき。取り込みは CSV（text/csv、text/plain、"
        "application/octet-stream）か multipart/form-data（the body's Content-Type is not one "
        "this operation takes; an import takes CSV or a multipart form）",
        "受け付ける形式（accepted、Accept-Post / Accept-Patch ヘッダー）で送り直す（send it "
        "again in one of `accepted`, also in the Accept-Post or Accept-Patch header）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "validation",
        422,
        "入力内容に誤りがあります",
        "Invalid input",
        "要求の本文・クエリ・パス・ヘッダーが項目の規則に反するとき。errors に項目（field）と規則"
        "（rule）が並ぶ（the body, query, path or headers break a field's rule: errors lists each "
        "field and the rule it breaks）",
        "errors の項目を直して送り直す。分岐は rule のコードで、message は人に見せる"
        "（fix each field in errors and send again; branch on rule, show message to people）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "rule-violation",
        422,
        "規則に反するため受け付けられません",
        "Breaks a domain rule",
        "形は正しいが、事業の規則（上限件数、予算、期限、期間）に反するとき。rule が規則を、"
        "拡張メンバーが数値を示す（well-formed input that breaks a domain rule, a quota, a "
        "budget, a deadline or a window: rule names it, the members give the numbers）",
        "同じ要求は通らない。rule と数値を利用者に示し、内容を変える"
        "（the same request will not pass: show the rule and its numbers, change what is asked）",
        (REVIEW,),
    ),
    ProblemType(
        "precondition-required",
        428,
        "If-Match ヘッダーが必要です",
        "Precondition required: If-Match",
        "If-Match が必要な変更に If-Match がないとき"
        "（a change guarded by If-Match came without it）",
        "リソースを読み、その ETag（current_etag）を If-Match にして送る"
        "（read the resource and send its ETag, current_etag, as If-Match）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "too-many-requests",
        429,
        "リクエストが多すぎます",
        "Too many requests",
        "呼び出し元（トークンの subject、またはアドレス）がレート制限を超えたとき"
        "（the caller, its token's subject or its address, went over a rate limit）",
        "Retry-After 秒待ってから送り直す。RateLimit ヘッダーが残りを示す"
        "（wait Retry-After seconds; the RateLimit header says what is left）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "request-head-too-large",
        431,
        "Request Header Fields Too Large",
        "Request Header Fields Too Large",
        "要求行とヘッダーが合わせて MAX_HEADER_BYTES を、またはヘッダーが MAX_HEADER_FIELDS 個を"
        "超えるとき。接続は閉じられる（the request line and headers are over MAX_HEADER_BYTES, "
        "or over MAX_HEADER_FIELDS fields; the connection is closed）",
        "ヘッダーを減らすか小さくする（send fewer or smaller header fields）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "internal",
        500,
        "内部エラーが発生しました",
        "Internal error",
        "サーバー側の予期しない誤り。詳細はログにだけ残る"
        "（an unexpected error on our side: the details go to the log only）",
        "X-Request-ID を添えて事務局に連絡する（report it with the X-Request-ID header's value）",
        EVERY_SERVICE,
    ),
    ProblemType(
        "registry-rejected",
        502,
        "台帳サービスが要求を拒否しました",
        "The registry refused the request",
        "審査サービスから台帳サービスへの要求が 4xx で拒否されたとき（registry_status）"
        "（the registry answered the review service's call with a 4xx: registry_status）",
        "detail に台帳の説明がある。入力を確かめ、続くなら事務局へ"
        "（detail quotes the registry: check the input, report it if it persists）",
        (REVIEW,),
    ),
    ProblemType(
        "unavailable",
        503,
        "依存するサービスに接続できません",
        "A service it depends on is unavailable",
        "データベースや呼び出した他のサービス（台帳）が応答しないか、拒否したとき。service が相手"
        "（the database or a service it calls, the registry, did not answer or refused: service "
        "names which）",
        "しばらく待って送り直す。作成は同じ Idempotency-Key で"
        "（retry later; send a creation again with the same Idempotency-Key）",
        EVERY_SERVICE,
    ),
)
