"""Rule codes only the notify service gives: campaigns, messages, capacity, bounces and RSVPs."""

from __future__ import annotations

from libs.common.problem_catalogue import RuleCode
from services.problem_catalogue.vocabulary import CONFLICT, NOTIFY, rule


def _refused(code: str, meaning: str) -> RuleCode:
    """A refusal the ``rule`` member of a 409 names."""
    return rule(code, meaning, NOTIFY, problems=(CONFLICT,))


NOTIFY_RULES = (
    rule(
        "datetime",
        "日時として解釈できない（テンプレートに渡す値）（not a date and time: a template's value）",
        NOTIFY,
    ),
    rule(
        "object",
        "symposium には台帳のシンポジウムを渡す（symposium must be the registry's symposium）",
        NOTIFY,
    ),
    rule(
        "dedupe_key_reused",
        "この dedupe_key は別の内容のメッセージに使われている。訂正は新しいキーで送る"
        "（the key was used for a different message: send a correction under a new key）",
        NOTIFY,
    ),
    rule(
        "audience_for_kind",
        "このお知らせの種類には指定できない宛先。allowed が指定できる宛先"
        "（an audience this kind of campaign does not take: allowed lists those it does）",
        NOTIFY,
    ),
    rule(
        "required_for_audience",
        "宛先 contacts には contact_ids が要る（audience contacts needs contact_ids）",
        NOTIFY,
    ),
    rule(
        "only_with_contacts_audience",
        "contact_ids は宛先 contacts のときだけ指定できる（contact_ids only with audience "
        "contacts）",
        NOTIFY,
    ),
    rule(
        "unknown_contact",
        "台帳にない連絡先か、宛先が無効（not a registry contact, or its address is invalid）",
        NOTIFY,
    ),
    rule(
        "media_type",
        "バウンス通知の Content-Type が受け付ける形式でない（application/json、"
        "multipart/report、message/rfc822、message/delivery-status）"
        "（a bounce report must be one of those content types）",
        NOTIFY,
    ),
    rule(
        "dsn",
        "配信状態通知（RFC 3464）として解釈できない（not a delivery status notification）",
        NOTIFY,
    ),
    rule(
        "choice",
        "出欠のフォームで出席も欠席も選ばれていない。答えはページで示す"
        "（the RSVP form chose neither attend nor decline; answered as a page）",
        NOTIFY,
    ),
    _refused(
        "cancelled",
        "シンポジウムが中止されているため定員は変えられない"
        "（the symposium is cancelled: its capacity cannot change）",
    ),
    _refused(
        "capacity_below_attending",
        "定員が出席者数を下回る。force: true で全員を残す（below those attending: attending, "
        "capacity; send force: true to keep them all and waitlist new acceptances）",
    ),
    _refused(
        "symposium_over",
        "終了・中止したシンポジウムには案内を送れない（the symposium is over: its end passed, or "
        "it was held or cancelled）",
    ),
    _refused(
        "venue_required",
        "対面・ハイブリッド開催の案内には台帳に会場が要る"
        "（an in-person or hybrid symposium needs its venue in the registry first）",
    ),
    _refused(
        "stale_draft",
        "下書きの後にシンポジウムの日時・形式・URL・会場が変わった。取り消して作り直す"
        "（the symposium changed after the draft: draft_sequence, symposium_sequence）",
    ),
    _refused(
        "already_announced",
        "このシンポジウムのこの版には同じお知らせを作成・送信済み。一人への再送を使う"
        "（sent for this version already: resend one person's letter instead）",
    ),
    _refused(
        "one_active_invitation",
        "このシンポジウムには進行中の案内キャンペーンがある"
        "（an invitation campaign for this symposium is under way）",
    ),
    _refused(
        "cancellation_only",
        "中止したシンポジウムには中止のお知らせだけ送れる"
        "（the symposium is cancelled: only a cancellation campaign）",
    ),
    _refused(
        "symposium_not_cancelled",
        "中止されていないシンポジウムに中止のお知らせは送れない。先に台帳で中止する"
        "（cancel the symposium in the registry first）",
    ),
    _refused(
        "suppressed",
        "宛先が配信停止中のため再送できない（the address is suppressed）",
    ),
)
