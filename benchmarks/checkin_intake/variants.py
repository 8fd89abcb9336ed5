"""`kindred serve` with configuration changes applied in memory, to put numbers on proposed changes.

    .venv/bin/python benchmarks/checkin_intake/variants.py pool,pbr     # then as `kindred serve`

This is an experiment harness, not the measurement of record: `run.py` measures the real `kindred serve`
unless asked for a variant (`--targets bare,kindred,kindred+pool+pbr`). Each variant patches one thing
the way the proposed change to `slackapp/` would, then runs the unchanged `slackapp.cli.main(["serve"])`:

- `pool`:   the web engine's pool holds enough connections for every thread that may use one
            (`pool_size=20, max_overflow=5`; the default 5 + 10 overflow closes and reopens PostgreSQL
            connections - a new backend process each - whenever more than 5 are in use at once).
- `noping`: `pool_pre_ping=False` (no `SELECT 1` round trip on every checkout; `pool_recycle` instead).
- `pbr`:    Bolt's `process_before_response=True`: the listener runs on the request thread, and the
            answer is sent the moment `ack()` is called, instead of Bolt handing the listener to its own
            10-thread executor and polling for the ack every 10 ms.
- `lean`:   a prototype of the check-in listener with fewer database sessions, same behaviour: one
            read-only session for the round, the help contact and the directory (today three: the
            listener's `get_round`, `record_answers`' own first read, and the suggestions' read), then
            the three write transactions of DESIGN.md rule 2 unchanged in number and order (ledger;
            scores; comment), the six answer rows inserted with one Core `INSERT` instead of the ORM
            unit of work.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

KNOWN = ("pool", "noping", "pbr", "lean")


def apply(variants: list[str]) -> None:
    unknown = [v for v in variants if v not in KNOWN]
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; known: {', '.join(KNOWN)}")
    import slackapp.app
    import slackapp.database
    import slackapp.web

    if "pool" in variants or "noping" in variants:
        original_new_engine = slackapp.database.new_engine

        def new_engine(database_url: str, **kwargs: Any) -> Any:
            if "pool" in variants:
                kwargs.setdefault("pool_size", 20)
                kwargs.setdefault("max_overflow", 5)
            if "noping" in variants:
                kwargs["pool_pre_ping"] = False
                kwargs.setdefault("pool_recycle", 1800)
            return original_new_engine(database_url, **kwargs)

        setattr(slackapp.web, "new_engine", new_engine)  # noqa: B010 (patching a module global)

    if "pbr" in variants:
        from slack_bolt import App

        class ProcessBeforeResponseApp(App):
            def __init__(self, **kwargs: Any) -> None:
                super().__init__(process_before_response=True, **kwargs)

        setattr(slackapp.app, "App", ProcessBeforeResponseApp)  # noqa: B010

    if "lean" in variants:
        import slackapp.checkins.listeners

        # register() looks the listener up when the app is built, so this replaces it for the app.
        setattr(slackapp.checkins.listeners, "submit_checkin", _lean_submit_checkin())  # noqa: B010


def _lean_submit_checkin() -> Any:
    """The `lean` prototype (see the module docstring). Copies slackapp/checkins/listeners.py's
    `submit_checkin` and slackapp/checkins/service.py's `record_answers`, changing only the sessions."""
    import uuid

    from slack_bolt import Ack, BoltContext
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    from slackapp.admin.service import get_help_contact
    from slackapp.checkins import listeners as cl
    from slackapp.checkins import service as cs
    from slackapp.checkins.ids import COMMENT_BLOCK, CheckinAction
    from slackapp.checkins.ledger import RoundSecrets
    from slackapp.checkins.models import Answer, Comment, Participation, Round
    from slackapp.checkins.suggestions import needs_from_answers, suggest
    from slackapp.checkins.views import ALREADY_ANSWERED, ROUND_CLOSED, build_thank_you_view
    from slackapp.database import SessionFactory, utcnow
    from slackapp.errors import InvalidInput
    from slackapp.notice import build_notice_view
    from slackapp.resources.suggestions import directory_suggestions
    from slackapp.settings import Settings

    def record_preloaded(
        db: SessionFactory, round_: Round, voter: bytes, answers: dict[str, int | None], comment: str | None
    ) -> None:
        scores = [(q.key.value, int(answers[q.key.value] or 0)) for q in cs.round_questions(round_)]
        try:
            with db.begin() as session:
                session.add(Participation(round_id=round_.id, voter_hash=voter))
        except IntegrityError:
            raise cs.AlreadyAnswered() from None
        except SQLAlchemyError:
            raise cs.SubmissionFailed() from None
        answer_ids = [uuid.uuid4() for _ in scores]
        rows = [
            {"id": answer_id, "round_id": round_.id, "question_key": key, "value": value}
            for answer_id, (key, value) in zip(answer_ids, scores, strict=True)
        ]
        try:
            with db.begin() as session:
                cs._hold_round_open(session, round_.id)
                session.execute(insert(Answer), rows)
            if comment:
                with db.begin() as session:
                    cs._hold_round_open(session, round_.id)
                    session.execute(insert(Comment), [{"round_id": round_.id, "body": comment}])
        except (SQLAlchemyError, cs.RoundNotOpen) as error:
            cs._forget_submission(db, round_.id, voter, answer_ids)
            if isinstance(error, cs.RoundNotOpen):
                raise
            raise cs.SubmissionFailed() from None

    def submit_checkin(
        ack: Ack, view: dict[str, Any], context: BoltContext, db: SessionFactory, settings: Settings
    ) -> None:
        round_id = cl._parse_uuid(cl._metadata(view).get("round_id"))
        if round_id is None:
            ack(response_action="update", view=build_notice_view(*cl.NO_SUCH_CHECKIN))
            return
        values = view.get("state", {}).get("values", {})
        answers = cl._scores_from(values)
        raw_comment = values.get(COMMENT_BLOCK, {}).get(CheckinAction.COMMENT, {}).get("value")
        comment = ((raw_comment if isinstance(raw_comment, str) else None) or "").strip() or None
        now = utcnow()
        user_id = str(context.user_id)
        with db() as session:  # one read: the round, and what the thank-you view needs
            round_ = session.get(Round, round_id)
            if round_ is None or round_.workspace_id != context.team_id:
                round_ = None
            else:
                contact = get_help_contact(session=session, workspace_id=round_.workspace_id)
                directory = directory_suggestions(
                    session=session, workspace_id=round_.workspace_id, user_id=user_id
                )
        if round_ is None:
            ack(response_action="update", view=build_notice_view(*cl.NO_SUCH_CHECKIN))
            return
        question_blocks = [q.key.value for q in cs.round_questions(round_)]
        try:
            if not cs.accepts_answers(round_, now) or round_.secret_ciphertext is None:
                raise cs.RoundNotOpen()
            errors = cs.check_answers(round_, answers, comment)
            if errors:
                raise InvalidInput(errors)
            voter = RoundSecrets(settings.require_secret_key()).voter_hash(round_.secret_ciphertext, user_id)
            record_preloaded(db, round_, voter, answers, comment)
        except InvalidInput as invalid:
            known = set(question_blocks) | ({COMMENT_BLOCK} if round_.comments_enabled else set())
            shown = {block: message for block, message in invalid.errors.items() if block in known}
            ack(response_action="errors", errors=shown or {question_blocks[0]: "Please check your answers."})
            return
        except cs.SubmissionFailed:
            ack(response_action="errors", errors={question_blocks[0]: cl.SAVE_FAILED})
            return
        except cs.RoundNotOpen:
            ack(response_action="update", view=build_notice_view(*ROUND_CLOSED))
            return
        except cs.AlreadyAnswered:
            ack(response_action="update", view=build_notice_view(*ALREADY_ANSWERED))
            return
        suggestions = suggest(needs_from_answers(answers), help_contact=contact, sources=[directory])
        ack(response_action="update", view=build_thank_you_view(suggestions))

    return submit_checkin


def main() -> int:
    variants = [v for v in (sys.argv[1] if len(sys.argv) > 1 else "").split(",") if v]
    apply(variants)
    from slackapp.cli import main as kindred

    return kindred(["serve"])


if __name__ == "__main__":
    sys.exit(main())
