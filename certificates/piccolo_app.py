import os

from piccolo.conf.apps import AppConfig

from certificates.tables import (
    AwardProposal,
    Certificate,
    CertificateCounter,
    HonourHeld,
    IssuanceBatch,
    NationalRecordBatch,
    NationalRecordBody,
    NationalRecordRow,
    PromotionLedger,
)

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="certificates",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[
        CertificateCounter,
        Certificate,
        IssuanceBatch,
        HonourHeld,
        PromotionLedger,
        AwardProposal,
        NationalRecordBody,
        NationalRecordBatch,
        NationalRecordRow,
    ],
    migration_dependencies=["competition.piccolo_app", "marking.piccolo_app"],
    commands=[],
)
