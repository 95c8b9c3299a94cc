import os

from piccolo.conf.apps import AppConfig

from province.tables import ProvinceFact

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="province",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[ProvinceFact],
    migration_dependencies=["competition.piccolo_app", "certificates.piccolo_app"],
    commands=[],
)
