"""Award proposals made before their snapshot columns existed get them filled once, from the
contestant rows and the final rankings as they stand at the upgrade (the closest record there is)."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-03T13:28:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill the snapshots of award proposals made before"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scoring", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        rows = await engine.run_querystring(
            QueryString(
                'SELECT p."id", p."skill", p."group", p."contestant", c."name", c."id_number", c."employer", c."delegation" '
                'FROM "award_proposal" p JOIN "contestant" c ON c."id" = p."contestant" WHERE p."holder_id_number" = {}',
                "",
            )
        )
        finals: dict = {}
        for r in rows:
            key = (r["skill"], r["group"])
            if key not in finals:
                rel = await engine.run_querystring(
                    QueryString('SELECT "final" FROM "result_release" WHERE "skill" = {} AND "group" = {}', r["skill"], r["group"])
                )
                data = rel[0]["final"] if rel else {}
                data = json.loads(data or "{}") if isinstance(data, str) else (data or {})
                finals[key] = {row.get("contestant_id"): row for row in data.get("rows", [])}
            final = finals[key].get(r["contestant"], {})
            await engine.run_querystring(
                QueryString(
                    'UPDATE "award_proposal" SET "holder_name" = {}, "holder_id_number" = {}, "holder_employer" = {}, '
                    '"holder_delegation" = {}, "final_score" = {}, "final_award" = {} WHERE "id" = {}',
                    r["name"] or "",
                    (r["id_number"] or "").upper(),
                    r["employer"] or "",
                    r["delegation"] or "",
                    final.get("score") or "",
                    final.get("award") or "",
                    r["id"],
                )
            )

    manager.add_raw(run)
    return manager
