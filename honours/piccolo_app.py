import os

from piccolo.conf.apps import AppConfig

from honours.tables import (
    Nomination,
    NominationAttachment,
    ReviewScore,
    SelectionCertificate,
    SelectionMember,
    SelectionObjection,
    SelectionQuota,
    SelectionRound,
)  # fmt: skip

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="honours",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[
        SelectionRound,
        SelectionQuota,
        SelectionMember,
        Nomination,
        NominationAttachment,
        ReviewScore,
        SelectionObjection,
        SelectionCertificate,
    ],
    migration_dependencies=["competition.piccolo_app", "certificates.piccolo_app"],
    commands=[],
)
