"""Indexes the privacy gate relies on, on the check-in tables it reads (declared beside their reader)."""

from sqlalchemy import Index

from slackapp.checkins.models import Round

# The gate reads a workspace's rounds by week: which rounds, whose, their counts and the department
# each was closed in (migration 0008_round_departments added it to the covered columns).
ROUNDS_BY_WORKSPACE_AND_WEEK = Index(
    "ix_checkin_round_workspace_id_opens_at",
    Round.workspace_id,
    Round.opens_at,
    postgresql_include=["channel_id", "state", "respondent_count", "invited_count", "department_id"],
)
