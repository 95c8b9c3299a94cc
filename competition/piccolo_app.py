import os

from piccolo.conf.apps import AppConfig

from competition.dayof.tables import CheckIn, Decryption, Draw, EncryptedNumber, ScoreSubmission
from competition.judges.tables import Judge, JudgeAssignment
from competition.registration.tables import Coach, Contestant, RegistrationReview, RegistrationWindow, Team
from kernel.tables import AuditLog, CompetitionGroup, Event, EventInvitation, LoginCode, RoleAssignment, Skill, SkillSession, User

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="competition",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[
        User,
        Event,
        Skill,
        CompetitionGroup,
        SkillSession,
        RoleAssignment,
        LoginCode,
        AuditLog,
        EventInvitation,
        Team,
        Contestant,
        RegistrationWindow,
        RegistrationReview,
        Coach,
        Judge,
        JudgeAssignment,
        CheckIn,
        Draw,
        EncryptedNumber,
        Decryption,
        ScoreSubmission,
    ],
    migration_dependencies=[],
    commands=[],
)
