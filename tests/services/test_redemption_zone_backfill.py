"""The migration that gives redemptions a zone books the existing ones to their user's
zone (run on a scratch SQLite database: the shared one is already at the head)."""

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from miniapp_api import create_app
from miniapp_api.storage import db
from tests.conftest import make_config

MIGRATION = "events_redemptions_alerts_zones"


def _before_it(app) -> str:
    scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    [script] = [s for s in scripts.walk_revisions() if MIGRATION in (s.path or "")]
    return script.down_revision


def test_existing_redemptions_are_booked_to_their_users_zone(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'backfill.db'}"))
    with app.app_context():
        upgrade(revision=_before_it(app))
        # Core inserts of the tables as they were: the models' columns with their defaults,
        # none of the new ones.
        tables = db.metadata.tables
        with db.engine.begin() as conn:
            zone = {"name": "街道", "district": "慈溪市", "kind": "street", "shape": {}}
            conn.execute(tables["zones"].insert().values(id=7, **zone))
            conn.execute(tables["users"].insert().values(id=1, openid="o-1", zone_id=7))
            conn.execute(tables["users"].insert().values(id=2, openid="o-2"))
            reward = {"name": "奖品", "description": "", "points_cost": 10, "stock": 5}
            conn.execute(tables["rewards"].insert().values(id=1, **reward))
            for redemption_id, user_id in ((1, 1), (2, 2)):
                conn.execute(
                    tables["redemptions"]
                    .insert()
                    .values(
                        id=redemption_id,
                        user_id=user_id,
                        reward_id=1,
                        points_cost=10,
                        code=f"CODE{redemption_id}",
                    )
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, zone_id FROM redemptions ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(row) for row in rows] == [(1, 7), (2, None)]
