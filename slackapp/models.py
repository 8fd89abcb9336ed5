"""Every model, imported in one place so Alembic and `Base.metadata` see the whole schema."""

from slackapp.actions.models import ActionNote
from slackapp.admin.models import KindredAdmin, ProfessionalHelp
from slackapp.checkins.models import Answer, Comment, Histogram, Invitee, Participation, Pulse, Round
from slackapp.dashboard_sessions import DashboardSession
from slackapp.database import Base
from slackapp.digests.models import DigestSent
from slackapp.fair_use.models import PersonPace
from slackapp.installations import tables as installation_tables  # noqa: F401  (slack_sdk's tables)
from slackapp.org.models import Department, ManagerAssignment, Team
from slackapp.pairing.models import Group, GroupMember, Membership, PairingRound, Profile, Programme
from slackapp.privacy import indexes as privacy_indexes  # noqa: F401  (indexes on check-in tables)
from slackapp.privacy.models import (
    Publication,
    PublicationSchedule,
    PublishedCell,
    PublishedRound,
    PublishedUnit,
)
from slackapp.resources.models import (
    AnonymousQuestion,
    PersonRegion,
    QuestionCount,
    ResourceAudit,
    ResourceEntry,
    ResourceJoinCount,
    ResourceMemberCount,
    SupportMapEntry,
)
from slackapp.scheduler.models import Job
from slackapp.slack.pacing import PacingSlot

__all__ = [
    "ActionNote",
    "AnonymousQuestion",
    "Group",
    "GroupMember",
    "Membership",
    "PacingSlot",
    "DigestSent",
    "PersonPace",
    "PairingRound",
    "PersonRegion",
    "Profile",
    "Publication",
    "PublicationSchedule",
    "PublishedCell",
    "PublishedRound",
    "PublishedUnit",
    "Programme",
    "QuestionCount",
    "ResourceAudit",
    "ResourceEntry",
    "ResourceJoinCount",
    "ResourceMemberCount",
    "SupportMapEntry",
    "Answer",
    "Base",
    "Comment",
    "DashboardSession",
    "Department",
    "Histogram",
    "Job",
    "KindredAdmin",
    "ManagerAssignment",
    "Participation",
    "ProfessionalHelp",
    "Pulse",
    "Invitee",
    "Round",
    "Team",
]
