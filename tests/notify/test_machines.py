"""Notify's state machines (campaign, delivery) against what the API and the SQL say of them."""

from __future__ import annotations

from enum import StrEnum

import pytest

from libs.common.errors import Conflict
from libs.common.named_schema import literal_values
from libs.common.state_machine import StateMachine
from services.notify.campaigns.schemas import CampaignStatus
from services.notify.campaigns.states import CAMPAIGN, CampaignEvent, CampaignState
from services.notify.deliveries import repository
from services.notify.deliveries.outcomes import judge, transient
from services.notify.deliveries.schemas import DeliveryState as DeliveryStateName
from services.notify.deliveries.states import DELIVERY, DeliveryEvent, DeliveryState
from services.notify.machines import MACHINES, single_move


def test_notify_declares_both_machines() -> None:
    assert [machine.name for machine in MACHINES] == ["notify.campaign", "notify.delivery"]


def test_the_api_spells_the_same_states_as_the_machines() -> None:
    assert set(literal_values(DeliveryStateName)) == {state.value for state in DeliveryState}
    # `approved` is a state no path writes today; the API lists the ones a client sees.
    assert set(literal_values(CampaignStatus)) == {s.value for s in CampaignState} - {"approved"}


def test_a_repeated_approval_or_withdrawal_stays_where_it_is() -> None:
    for state in (CampaignState.approved, CampaignState.sending, CampaignState.done):
        assert CAMPAIGN.fire(state, CampaignEvent.approve) == state
    assert CAMPAIGN.fire(CampaignState.cancelled, CampaignEvent.cancel) == CampaignState.cancelled


@pytest.mark.parametrize(
    ("state", "event"),
    [(CampaignState.cancelled, CampaignEvent.approve), (CampaignState.sending, "cancel")],
)
def test_a_refused_campaign_change_is_the_one_409(state: CampaignState, event: str) -> None:
    with pytest.raises(Conflict) as refused:
        CAMPAIGN.fire(state, CampaignEvent(event))
    assert refused.value.status == 409
    assert refused.value.extensions["rule"] == "state_transition"
    assert refused.value.extensions["state"] == state


def test_every_verdict_fires_a_delivery_event_from_sending() -> None:
    verdicts = [transient("421"), judge(550, "5.1.1", stage="rcpt"), judge(554, "no", stage="data")]
    assert [v.state for v in verdicts] == ["retrying", "bounced", "failed"]
    for verdict in verdicts:
        assert DELIVERY.fire(DeliveryState.sending, verdict.event) == verdict.state


def test_the_sent_update_is_the_machines_send_event() -> None:
    assert repository.MARK_SENT_SQL.count("'sending'") == 1
    assert "SET state = 'sent'" in repository.MARK_SENT_SQL
    assert single_move(DELIVERY, DeliveryEvent.send) == (
        [DeliveryState.sending],
        DeliveryState.sent,
    )


def test_a_set_based_update_needs_one_target_state() -> None:
    class State(StrEnum):
        a = "a"
        b = "b"
        c = "c"

    class Event(StrEnum):
        go = "go"

    forked = StateMachine(
        name="test.forked",
        subject="テスト",
        subject_en="test",
        states=State,
        transitions={(State.a, Event.go): State.b, (State.b, Event.go): State.c},
    )
    with pytest.raises(ValueError, match="not one state"):
        single_move(forked, Event.go)
