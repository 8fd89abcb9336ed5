"""The worker paces itself under Slack's published limits instead of bouncing off 429s."""

from __future__ import annotations

from dataclasses import dataclass, field

from slackapp.pacing import PacedWebClient, RatePacer
from tests.slack_standin import SlackStandIn


@dataclass
class FakeTime:
    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_posts_to_one_channel_go_out_a_second_apart_and_other_channels_do_not_wait() -> None:
    time = FakeTime()
    pacer = RatePacer(clock=time.clock, sleep=time.sleep)
    for channel in ("C1", "C1", "C1", "C2", "C3"):
        pacer.before_call("chat.postMessage", "xoxb-a", {"channel": channel})
    assert time.slept == [1.0, 1.0]


def test_tiered_methods_are_spaced_by_their_tier_per_workspace() -> None:
    time = FakeTime()
    pacer = RatePacer(clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        pacer.before_call("users.info", "xoxb-a", {"user": "U1"})  # Tier 4: 100 a minute
    pacer.before_call("users.info", "xoxb-other-workspace", {"user": "U1"})
    assert time.slept == [0.6, 0.6]


def test_interactive_calls_are_never_held_back() -> None:
    time = FakeTime()
    pacer = RatePacer(clock=time.clock, sleep=time.sleep)
    for _ in range(5):
        pacer.before_call("views.open", "xoxb-a", {"trigger_id": "t"})
    assert time.slept == []


def test_the_paced_client_waits_before_calling_slack(slack: SlackStandIn) -> None:
    time = FakeTime()
    client = PacedWebClient(
        token="xoxb-a", base_url=slack.url, pacer=RatePacer(clock=time.clock, sleep=time.sleep)
    )
    for text in ("one", "two"):
        client.chat_postMessage(channel="C1", text=text)
    assert time.slept == [1.0]
    assert [c.args["text"] for c in slack.successful_calls_to("chat.postMessage")] == ["one", "two"]
