"""Every number Kindred publishes, as each viewer sees it: the one place the attacks collect from.

Collected as a user gets them, through the real web app: for a signed-in viewer, the dashboard's CSV
exports of every page (Overview, Questions, Compare, Where to act, Support landscape, and the
engagement page for HR; each page's unit picker says which units the viewer may choose, and each
export is exactly the table on screen), the "Where to act" heatmap as drawn (each cell's value and,
beyond noise, its change), the action plans' "did the following publications move" on a planned
team's overview, and the App Home the viewer is shown; from Slack, the results posts the worker left in
the team channels and the digest DMs it sent the viewers (the stand-in's record of chat.postMessage).
Each check-in number becomes a `Seen` cell: which surface, which viewer, which unit, which week, which
measure (participation or a question), and the value as shown - a count, a histogram, a mean with the
decimals it was shown with, or a mean's change. The engagement page (peer support, resource groups) and
the App Home hold no check-in numbers; they are kept as read, for the audit to check that they don't.

`covered_rounds` says what a published cell is a sum of (which rounds), as the product documents it;
an attacker knows that much. When the way Kindred publishes changes, this module (collection and
`covered_rounds`) is the only thing to re-point; `check_against_truth` fails loudly if the model and
the published numbers disagree.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from dashboards.figures import SHORT_LABELS
from dashboards.queries import QUESTION_LABELS
from slackapp.checkins.ids import INVITATION_EVENT, RESULTS_EVENT
from slackapp.checkins.questions import CATALOGUE
from slackapp.digests.jobs import DIGEST_EVENT
from tests.dashboards.conftest import Dashboard, find
from tests.privacy.world import RoundTruth, World

PARTICIPATION = "participation"
CHANNEL_POST = "channel post"
# Compare before "Where to act": its rows carry the week each team's latest cell is from, which the act
# table (each team's latest week) leaves to the reader. Engagement last: it holds no check-in numbers.
PAGES = ("overview", "questions", "compare", "act", "support", "engagement")
SIDE_BY_SIDE = ("compare", "act")  # pages with a "My teams" view (no unit chosen)
ACT_HEATMAP = "act heatmap"
DIGEST = "digest"
ACTION_PLAN = "action plan"
ENGAGEMENT_KINDS = (
    "Peer support: people paired",
    "Resource group: members",
    "Resource group: people who joined",
)
LABEL_TO_KEY = {label: key for key, label in QUESTION_LABELS.items()}
SHORT_TO_KEY = {label: key for key, label in SHORT_LABELS.items()}
PROMPT_TO_KEY = {q.prompt: q.key.value for q in CATALOGUE}


@dataclass(frozen=True)
class Viewer:
    user_id: str
    admin: bool = False


@dataclass(frozen=True)
class Seen:
    """One published number (or one published "hidden"), as one viewer saw it at one moment."""

    surface: str  # "<page>.csv", ACT_HEATMAP, ACTION_PLAN, DIGEST or CHANNEL_POST
    viewer: str  # the dashboard viewer, or "#channel" for a post everyone in the channel reads
    unit: str  # "org", "department:<name>" or "team:<channel>"
    period: date
    measure: str  # PARTICIPATION or a question key
    at_event: int  # the world's event count when it was seen
    respondents: int | None = None  # the count, where shown
    counts: tuple[int, ...] | None = None  # how many chose 1..5, where shown
    mean: float | None = None
    decimals: int = 0
    round_id: str | None = None  # a channel post is about one round
    hidden: bool = False
    note: str = ""
    # "Where to act": the mean's change since the team's previous published week, when it is shown (only
    # when beyond the noise of the team's size, so its presence is the "changed" mark).
    change: float | None = None

    @property
    def value(self) -> tuple[object, ...]:
        return (self.respondents, self.counts, self.mean, self.hidden, self.change)


@dataclass
class Surfaces:
    """Collects from the dashboard (per viewer) and from the channels, as often as asked."""

    dashboard: Dashboard
    world: World
    viewers: Sequence[Viewer]
    seen: list[Seen] = field(default_factory=list)
    # The engagement page's rows (peer support and resource groups: no check-in round is in them).
    engagement: list[dict[str, str]] = field(default_factory=list)
    # Each viewer's App Home as Slack last showed it (every text in it, one string), when they opened it.
    app_homes: dict[str, str] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)
    _post_weeks: dict[str, date] = field(default_factory=dict)  # round id -> the week its invitation came
    _digest_events: dict[int, int] = field(default_factory=dict)  # digest DM (by order) -> event when sent

    def __post_init__(self) -> None:
        self.world.watchers.append(self._watch_channels)

    def collect(self) -> list[Seen]:
        """Everything published right now, to every viewer and in every channel; kept in `self.seen`."""
        found: list[Seen] = []
        for viewer in self.viewers:
            found += self._dashboard_cells(viewer)
            self.app_homes[viewer.user_id] = self._app_home(viewer.user_id)
        found += self._channel_cells()
        found += self._digest_cells(self.seen + found)
        self.seen += found
        return found

    # -- the dashboard ------------------------------------------------------------------------------

    def _dashboard_cells(self, viewer: Viewer) -> list[Seen]:
        self.dashboard.sign_in_as(viewer.user_id, admin=viewer.admin)
        names = self._names = {"": "", "org:": "org"}
        found: list[Seen] = []
        latest_week: dict[str, date] = {}
        for page in PAGES:
            units = self._picker(page)
            for unit_param in units or [None]:
                if unit_param is None and page not in SIDE_BY_SIDE:
                    continue
                rows = self._export(page, unit_param)
                if rows is None:
                    continue
                unit = names.get(unit_param or "", "")
                found += self._parse(page, viewer.user_id, unit, rows, names, latest_week)
                if page == "act":
                    found += self._act_heatmap(viewer.user_id, unit_param, latest_week)
                # Only a team with a plan shows one (the page itself is the same table as its CSV).
                if page == "overview" and unit.removeprefix("team:") in self.world.planned:
                    found += self._action_plans(viewer.user_id, unit_param or "", unit, found)
        return found

    def _app_home(self, user_id: str) -> str:
        """The viewer opens Kindred's App Home (a signed event); what Slack was asked to show them."""
        reply = self.world.slack_requests.event(
            {"type": "app_home_opened", "user": user_id, "channel": "D0HOME", "tab": "home"}
        )
        assert reply.status == 200, reply.text
        published = [
            c for c in self.world.slack.calls_to("views.publish") if c.args.get("user_id") == user_id
        ]
        assert published, f"no App Home was published for {user_id}"
        view = published[-1].args["view"]
        return json.dumps(json.loads(view) if isinstance(view, str) else view)

    def _act_heatmap(self, viewer: str, unit_param: str | None, latest_week: dict[str, date]) -> list[Seen]:
        """The "Where to act" heatmap as drawn: each cell's value and, when beyond noise, its change."""
        layout = self.dashboard.page("/dashboard/act", f"?unit={unit_param}" if unit_param else "")
        figure = find(layout, "kindred-figure")
        if figure is None:
            return []
        by_name = self._teams_by_name()
        found: list[Seen] = []
        for trace in figure["props"]["figure"]["data"]:
            columns = [SHORT_TO_KEY[label] for label in trace["x"]]
            for name, texts in zip(trace["y"], trace["text"], strict=True):
                team = by_name[name.removesuffix(" (hidden)")]  # a hidden team's row says so in its name
                week = latest_week.get(team)
                for key, text in zip(columns, texts, strict=True):
                    if text in ("", "hidden", "–") or week is None:
                        continue
                    value, _, moved = text.partition("<br>")
                    seen = _mean(ACT_HEATMAP, viewer, team, week, key, self.world.events, value)
                    if moved:
                        size = float(moved[1:])
                        seen = replace(seen, change=size if moved[0] == "▲" else -size)
                    found.append(seen)
        return found

    def _action_plans(self, viewer: str, unit_param: str, unit: str, earlier: Sequence[Seen]) -> list[Seen]:
        """A team's action plans on its overview: "did the following publications move?" in words.

        "Then" is the team's well-being in the latest week up to the plan's (shown beside it) in which
        it was shown; the viewer's own overview, collected before, says which week that is.
        """
        layout = self.dashboard.page("/dashboard/overview", f"?unit={unit_param}")
        plan_week = self.world.planned[unit.removeprefix("team:")]
        shown = [
            c.period
            for c in earlier
            if c.viewer == viewer and c.unit == unit and c.measure == "wellbeing" and c.mean is not None
        ]
        then_week = max((w for w in shown if w <= plan_week), default=None)
        at = self.world.events
        found: list[Seen] = []
        for text in _texts_with_class(layout, "plan-progress"):
            moved = re.match(r"Well-being (\d\.\d) then, (\d\.\d) in the week of (\d+ \w+ \d{4})", text)
            unmoved = re.match(r"Well-being was (\d\.\d) in the week it answers", text)
            then = moved[1] if moved else unmoved[1] if unmoved else None
            if then is not None:
                assert then_week is not None, text
                found.append(_mean(ACTION_PLAN, viewer, unit, then_week, "wellbeing", at, then))
            if moved is not None:
                found.append(_mean(ACTION_PLAN, viewer, unit, _week(moved[3]), "wellbeing", at, moved[2]))
        return found

    def _picker(self, page: str) -> list[str]:
        """The unit picker's values on this page; their names go into `_names` as our unit names
        ("team:C0X", "department:Name", "org"), since each page has its own picker."""
        choices = _choices(find(self.dashboard.page(f"/dashboard/{page}"), "kindred-unit"))
        for option in choices:
            value, label = str(option["value"]), str(option["label"])
            if value.startswith("team:"):
                self._names[value] = value
            elif value.startswith("department:"):
                name = label.removeprefix("Department: ").removesuffix(" (your team's department)")
                self._names[value] = "department:" + name.removesuffix(" (deleted)")
        return [str(o["value"]) for o in choices]

    def _export(self, page: str, unit: str | None) -> list[list[str]] | None:
        query = {"unit": unit} if unit else {}
        reply = self.dashboard.get(f"/dashboard/export/{page}.csv", query_string=query)
        if reply.status_code != 200:
            return None
        return list(csv.reader(io.StringIO(reply.get_data(as_text=True))))

    def _parse(
        self,
        page: str,
        viewer: str,
        unit: str,
        rows: list[list[str]],
        names: dict[str, str],
        latest_week: dict[str, date],
    ) -> list[Seen]:
        header, body = rows[0], rows[1:]
        at = self.world.events
        surface = f"{page}.csv"
        found: list[Seen] = []
        column = {name: i for i, name in enumerate(header)}
        if page == "overview":
            for row in body:
                week = _week(row[column["Week"]])
                latest_week[unit] = week
                answers = _int(row[column["Answers"]])
                found.append(
                    Seen(
                        surface,
                        viewer,
                        unit,
                        week,
                        PARTICIPATION,
                        at,
                        respondents=answers,
                        hidden=answers is None,
                        note=row[column["Note"]],
                    )
                )
                shown = row[column["Well-being (1–5)"]]
                if shown:
                    found.append(_mean(surface, viewer, unit, week, "wellbeing", at, shown))
        elif page == "questions":
            for row in body:
                week, key = _week(row[column["Week"]]), LABEL_TO_KEY[row[column["Question"]]]
                counts = tuple(_int(row[column[str(v)]]) for v in range(1, 6))
                if any(c is None for c in counts):
                    found.append(
                        Seen(surface, viewer, unit, week, key, at, hidden=True, note=row[column["Note"]])
                    )
                else:
                    shown = tuple(int(c or 0) for c in counts)
                    found.append(
                        Seen(surface, viewer, unit, week, key, at, respondents=sum(shown), counts=shown)
                    )
        elif page == "compare":
            by_name = self._teams_by_name()
            for row in body:
                team, week = by_name[row[column["Team"]]], _week(row[column["Week"]])
                latest_week[team] = week
                answers = _int(row[column["Answers"]])
                found.append(
                    Seen(
                        surface,
                        viewer,
                        team,
                        week,
                        PARTICIPATION,
                        at,
                        respondents=answers,
                        hidden=answers is None,
                        note=row[column["Note"]],
                    )
                )
                for label, key in LABEL_TO_KEY.items():
                    if row[column[label]] if label in column else "":
                        found.append(_mean(surface, viewer, team, week, key, at, row[column[label]]))
        elif page == "act":
            for row in body:
                team = self._teams_by_name()[row[column["Team"]]]
                week = latest_week.get(team)
                if week is None:
                    continue  # a team this viewer never saw side by side with its week
                answers = _int(row[column["Answers"]])
                found.append(
                    Seen(
                        surface,
                        viewer,
                        team,
                        week,
                        PARTICIPATION,
                        at,
                        respondents=answers,
                        hidden=answers is None,
                        note=row[column["Note"]],
                    )
                )
                for label, key in LABEL_TO_KEY.items():
                    shown = row[column[label]] if label in column else ""
                    if not shown:
                        continue
                    value, _, moved = shown.partition(" (changed: ")
                    cell = _mean(surface, viewer, team, week, key, at, value)
                    if moved:
                        direction, size = moved.removesuffix(")").split(" ")
                        cell = replace(cell, change=float(size) if direction == "up" else -float(size))
                    found.append(cell)
        elif page == "engagement":
            self.engagement += [dict(zip(header, row, strict=True)) for row in body]
        elif page == "support":
            # The landscape is the team's latest week beside its department's and the organisation's.
            week = latest_week.get(unit)
            if week is None:
                return found
            by_name = self._teams_by_name()
            for row in body:
                group = row[column["Group"]]
                if group.startswith("Organisation: "):
                    which = "org"
                elif group.startswith("Department: "):
                    which = "department:" + group.removeprefix("Department: ").removesuffix(" (deleted)")
                else:
                    which = by_name[group]
                answers = _int(row[column["Answers"]])
                found.append(
                    Seen(
                        surface,
                        viewer,
                        which,
                        week,
                        PARTICIPATION,
                        at,
                        respondents=answers,
                        hidden=answers is None,
                        note=row[column["Note"]],
                    )
                )
                for label, key in LABEL_TO_KEY.items():
                    if row[column[label]] if label in column else "":
                        found.append(_mean(surface, viewer, which, week, key, at, row[column[label]]))
        return found

    def _teams_by_name(self) -> dict[str, str]:
        """Row names to units: teams by name; the organisation and departments where a table lists them."""
        names = {"Whole organisation": "org"}
        names |= {name: f"department:{name}" for name in self.world.departments}
        return names | {team.name: f"team:{channel}" for channel, team in self.world.teams.items()}

    # -- the channels -------------------------------------------------------------------------------

    def _watch_channels(self, world: World) -> None:
        """Note the week each invitation appeared in (a channel member sees when a round opened), and
        when each digest DM arrived (it shows the publication of that moment)."""
        for number, call in enumerate(self.world.slack.calls_to("chat.postMessage")):
            if (call.args.get("metadata") or {}).get("event_type") == DIGEST_EVENT:
                self._digest_events.setdefault(number, world.events)
        for messages in self.world.slack.messages.values():
            for message in messages:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == INVITATION_EVENT:
                    self._post_weeks.setdefault(str(metadata["event_payload"]["key"]), world.period)

    def _channel_cells(self) -> list[Seen]:
        found: list[Seen] = []
        at = self.world.events
        for channel, messages in self.world.slack.messages.items():
            for message in messages:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") != RESULTS_EVENT:
                    continue
                round_id = str(metadata["event_payload"]["key"])
                week = self._post_weeks[round_id]
                found += _parse_results_post(message, f"team:{channel}", week, round_id, at)
        return found

    def _digest_cells(self, earlier: Sequence[Seen]) -> list[Seen]:
        """The digest DMs of the viewers: each team's answers and well-being, and "the time before"."""
        found: list[Seen] = []
        by_name = self._teams_by_name()
        for number, call in enumerate(self.world.slack.calls_to("chat.postMessage")):
            metadata = call.args.get("metadata") or {}
            if metadata.get("event_type") != DIGEST_EVENT:
                continue
            at = self._digest_events.get(number, self.world.events)
            viewer, week = str(call.args["channel"]), date.fromisoformat(metadata["event_payload"]["key"])
            if viewer not in {v.user_id for v in self.viewers}:
                continue  # a manager whose dashboard is not collected here
            blocks = call.args.get("blocks") or []
            text = blocks[0]["text"]["text"] if blocks else ""
            for line in text.splitlines()[1:]:
                named = re.match(r"• \*(.+?)\*: (.*)$", line)
                assert named is not None, line
                team, rest = by_name[named[1].replace("&amp;", "&")], named[2]
                answered = re.match(
                    r"(\d+) answered(?:, well-being (\d\.\d) out of 5)?(?: \((\d\.\d) the time before\))?\.$",
                    rest,
                )
                if answered is None:
                    found.append(Seen(DIGEST, viewer, team, week, PARTICIPATION, at, hidden=True, note=rest))
                    continue
                found.append(
                    Seen(DIGEST, viewer, team, week, PARTICIPATION, at, respondents=int(answered[1]))
                )
                if answered[2]:
                    found.append(_mean(DIGEST, viewer, team, week, "wellbeing", at, answered[2]))
                if answered[3]:
                    # "The time before": the team's latest earlier week with well-being on the viewer's
                    # dashboard, as the manager reads it.
                    weeks = [
                        c.period
                        for c in earlier
                        if c.viewer == viewer
                        and c.unit == team
                        and c.measure == "wellbeing"
                        and c.mean is not None
                        and c.period < week
                    ]
                    assert weeks, line
                    found.append(_mean(DIGEST, viewer, team, max(weeks), "wellbeing", at, answered[3]))
        return found


def _texts_with_class(layout: Any, class_name: str) -> list[str]:
    """The text of every component with this class name anywhere in a layout's JSON."""
    found: list[str] = []
    if isinstance(layout, dict):
        props = layout.get("props", {})
        if props.get("className") == class_name and isinstance(props.get("children"), str):
            found.append(props["children"])
        for value in props.values():
            found += _texts_with_class(value, class_name)
    elif isinstance(layout, list):
        for item in layout:
            found += _texts_with_class(item, class_name)
    return found


def _parse_results_post(message: dict[str, Any], unit: str, week: date, round_id: str, at: int) -> list[Seen]:
    text = str(message.get("text", ""))
    viewer = "#" + unit.removeprefix("team:")
    answered = re.search(r"results: (\d+) people answered", text)
    if answered is None:
        return [
            Seen(
                CHANNEL_POST, viewer, unit, week, PARTICIPATION, at, round_id=round_id, hidden=True, note=text
            )
        ]
    found = [
        Seen(
            CHANNEL_POST,
            viewer,
            unit,
            week,
            PARTICIPATION,
            at,
            respondents=int(answered.group(1)),
            round_id=round_id,
        )
    ]
    for block in message.get("blocks") or []:
        for item in block.get("fields") or []:
            prompt, _, shown = str(item.get("text", "")).partition("\n")
            mean = re.match(r"(\d+)\.(\d+) /", shown)
            key = PROMPT_TO_KEY.get(prompt.strip("*"))
            if mean is not None and key is not None:
                found.append(
                    Seen(
                        CHANNEL_POST,
                        viewer,
                        unit,
                        week,
                        key,
                        at,
                        mean=float(f"{mean.group(1)}.{mean.group(2)}"),
                        decimals=len(mean.group(2)),
                        round_id=round_id,
                    )
                )
    return found


# -- what a published cell is a sum of ------------------------------------------------------------------


def covered_rounds(cell: Seen, rounds: Iterable[RoundTruth]) -> list[RoundTruth]:
    """The rounds a published cell adds up, as the product says it publishes them.

    Today (no stored publication yet): a week's cell counts each team's latest round of that week that
    had closed when it was seen, in the department the team was in when that round closed; a question's
    cell only the rounds that asked it. A channel post is its own round.
    """
    chosen = [r for r in rounds if r.closed_at_event is not None and r.closed_at_event <= cell.at_event]
    if cell.round_id is not None:
        return [r for r in chosen if r.round_id == cell.round_id]
    latest: dict[str, RoundTruth] = {}
    for r in chosen:
        if r.period == cell.period:
            latest[r.channel] = r  # rounds are recorded in the order they opened
    members = list(latest.values())
    if cell.unit.startswith("team:"):
        members = [r for r in members if r.channel == cell.unit.removeprefix("team:")]
    elif cell.unit.startswith("department:"):
        members = [r for r in members if r.department == cell.unit.removeprefix("department:")]
    if cell.measure != PARTICIPATION:
        members = [r for r in members if cell.measure in r.questions]
    return members


def truth_of(cell: Seen, rounds: Iterable[RoundTruth]) -> tuple[int, tuple[int, ...] | None]:
    """The true respondents and (for a question) histogram behind a cell."""
    members = covered_rounds(cell, rounds)
    respondents = sum(r.respondents for r in members)
    if cell.measure == PARTICIPATION:
        return respondents, None
    counts = tuple(sum(r.counts.get(cell.measure, [0] * 5)[v] for r in members) for v in range(5))
    return sum(counts), counts


def check_against_truth(seen: Iterable[Seen], rounds: Sequence[RoundTruth]) -> None:
    """Every shown number agrees with `covered_rounds` and the truth (else the model is wrong)."""
    for cell in seen:
        if cell.hidden:
            continue
        respondents, counts = truth_of(cell, rounds)
        if cell.counts is not None:
            assert cell.counts == counts, cell
        elif cell.respondents is not None:
            assert cell.respondents == respondents, cell
        if cell.mean is not None and counts:
            true_mean = sum(v * c for v, c in zip(range(1, 6), counts, strict=True)) / sum(counts)
            assert abs(true_mean - cell.mean) <= 0.5 * 10**-cell.decimals + 1e-9, (cell, true_mean)


def _week(label: str) -> date:
    return datetime.strptime(label, "%d %b %Y").date()


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _mean(surface: str, viewer: str, unit: str, week: date, key: str, at: int, shown: str) -> Seen:
    """A mean as shown: its value and the number of decimals it was shown with (its precision)."""
    _whole, _, decimals = shown.strip().partition(".")
    return Seen(surface, viewer, unit, week, key, at, mean=float(shown), decimals=len(decimals))


def _choices(picker: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The unit picker's choices (Dash's dropdown calls them options, Mantine's select data)."""
    props = (picker or {}).get("props", {})
    choices = list(props.get("options") or props.get("data") or [])
    # Mantine's grouped data: {"group": "Teams", "items": [...]} per kind of unit.
    return [item for c in choices for item in c.get("items", [c])]


# Check-in results in words, as the posts, digests and dashboard write them.
CHECKIN_FIGURE = re.compile(r"\d+ (?:people )?answered|\d\.\d (?:/|out of) 5|well-being \d")


def checkin_figures(text: str) -> list[str]:
    """Any check-in result written in `text` (an App Home, say)."""
    return CHECKIN_FIGURE.findall(text)


# -- "Where to act": a change and its mark say nothing the viewer was not shown ---------------------------


def _noise(counts: Sequence[int]) -> float:
    """The standard error of a mean from its histogram, by the rule the dashboard states: the
    sample variance, never below a quarter of an answer point squared."""
    n = sum(counts)
    if n < 2:
        return float("inf")
    mean = sum(v * c for v, c in zip(range(1, 6), counts, strict=True)) / n
    variance = sum(c * (v - mean) ** 2 for v, c in zip(range(1, 6), counts, strict=True)) / (n - 1)
    return float(max(variance, 0.25) ** 0.5 / n**0.5)


def beyond_noise(now: Sequence[int], before: Sequence[int], *, ses: float = 2.0) -> bool:
    """Whether two published histograms' means differ by more than `ses` standard errors of the change."""
    means = [sum(v * c for v, c in zip(range(1, 6), h, strict=True)) / sum(h) for h in (now, before)]
    return (
        abs(round(means[0], 1) - round(means[1], 1)) > ses * (_noise(now) ** 2 + _noise(before) ** 2) ** 0.5
    )


def unexplained_marks(seen: Sequence[Seen]) -> list[Seen]:
    """The "Where to act" cells whose change, or whose missing change mark, the same viewer could not
    have worked out from the histograms their Questions page showed for the team's two latest weeks.

    Each shown cell of the heatmap or its CSV must be explained by what the viewer saw elsewhere: a
    change equals the difference of the two published means, and is marked exactly when the two
    published histograms differ beyond noise; with the team's previous week hidden, no change at all.
    A mark that depended on anything else (a hidden week, an unpublished round) is listed.
    """
    histograms: dict[tuple[str, str, date, str], tuple[int, ...]] = {}
    weeks: dict[tuple[str, str], set[date]] = {}
    for c in seen:
        if c.surface == "questions.csv" and c.counts is not None:
            histograms[(c.viewer, c.unit, c.period, c.measure)] = c.counts
        if c.surface in ("overview.csv", "questions.csv", "compare.csv") and c.unit.startswith("team:"):
            weeks.setdefault((c.viewer, c.unit), set()).add(c.period)
    wrong: list[Seen] = []
    for c in seen:
        if c.surface not in ("act.csv", ACT_HEATMAP) or c.mean is None:
            continue
        earlier = sorted(w for w in weeks.get((c.viewer, c.unit), ()) if w < c.period)
        now = histograms.get((c.viewer, c.unit, c.period, c.measure))
        before = histograms.get((c.viewer, c.unit, earlier[-1], c.measure)) if earlier else None
        if now is None or before is None:
            if c.change is not None:
                wrong.append(c)  # a change against a week the viewer was not shown
            continue
        expected = beyond_noise(now, before)
        if expected != (c.change is not None):
            wrong.append(c)
        elif c.change is not None:
            difference = round(
                sum(v * n for v, n in zip(range(1, 6), now, strict=True)) / sum(now), 1
            ) - round(sum(v * n for v, n in zip(range(1, 6), before, strict=True)) / sum(before), 1)
            if abs(difference - c.change) > 0.051:
                wrong.append(c)
    return wrong
