import os

from piccolo.conf.apps import AppConfig

from marking.tables import Appeal, BoardState, CriterionLock, Mark, MarkingScheme, ResultRelease

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="scoring",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[MarkingScheme, Mark, CriterionLock, BoardState, ResultRelease, Appeal],
    migration_dependencies=["competition.piccolo_app"],
    commands=[],
)
