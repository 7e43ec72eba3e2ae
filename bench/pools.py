"""Who does what in the run: members for reads, and fresh users for every write (each
check-in, daily quiz, enrollment and redemption by someone who can still do it), chosen
from the bench database; their access tokens minted inside an app context."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from flask_jwt_extended import create_access_token
from shapely import contains_xy
from shapely.geometry import shape
from sqlalchemy import create_engine, text

ELIGIBLE = {
    "volunteers": "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id "
    "WHERE r.role = 'volunteer' AND u.status = 'active' ORDER BY u.id",
    "admins": "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id "
    "WHERE r.role = 'admin' AND u.status = 'active' ORDER BY u.id",
    "promoters": "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id "
    "WHERE r.role = 'promoter' AND u.status = 'active' ORDER BY u.id",
    "checkin": "SELECT u.id FROM users u WHERE u.status = 'active' AND NOT EXISTS "
    "(SELECT 1 FROM points_ledger p WHERE p.user_id = u.id AND p.reason = 'daily_checkin' "
    "AND p.local_date = :today) ORDER BY u.id",
    "quiz": "SELECT u.id FROM users u WHERE u.status = 'active' AND NOT EXISTS "
    "(SELECT 1 FROM quiz_sessions q WHERE q.user_id = u.id) ORDER BY u.id",
    "enroll": "SELECT u.id FROM users u WHERE u.status = 'active' "
    "AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id) "
    "AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.volunteer_id = u.id) ORDER BY u.id",
    "redeem": "SELECT u.id FROM users u WHERE u.status = 'active' AND u.points_balance >= :cost "
    "AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'admin') "
    "ORDER BY u.id",
    "burst": "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id "
    "WHERE r.role = 'volunteer' AND u.status = 'active' AND NOT EXISTS "
    "(SELECT 1 FROM article_reads a WHERE a.user_id = u.id AND a.article_id = :article) "
    "ORDER BY u.id",
}
CODES = (
    "SELECT c.scene, z.shape FROM enrollment_codes c JOIN zones z ON z.id = c.zone_id "
    "JOIN role_zones rz ON rz.user_id = c.promoter_id AND rz.zone_id = c.zone_id "
    "AND rz.role = 'promoter' WHERE c.status = 'active' ORDER BY c.id"
)


@dataclass
class Enrollee:
    user_id: int
    scene: str
    lng: float
    lat: float


@dataclass
class Pools:
    engine: object
    rng: np.random.Generator
    today: date
    app: object
    articles: list[int] = field(default_factory=list)
    pushed_article: int = 0
    rewards: list[int] = field(default_factory=list)  # the three cheapest
    reward_cost: int = 0
    _left: dict[str, list[int]] = field(default_factory=dict)
    _tokens: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, database_url: str, app, seed: int, today: date) -> Pools:
        engine = create_engine(database_url)
        pools = cls(engine, np.random.default_rng(seed), today, app)
        with engine.connect() as conn:
            pools.articles = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT id FROM articles WHERE status = 'published' AND slug <> "
                        "'bench-pushed-article' ORDER BY id"
                    )
                )
            ]
            pools.pushed_article = conn.execute(
                text("SELECT id FROM articles WHERE slug = 'bench-pushed-article'")
            ).scalar_one()
            cheapest = conn.execute(
                text(
                    "SELECT id, points_cost FROM rewards WHERE active ORDER BY points_cost, id "
                    "LIMIT 3"
                )
            ).all()
        pools.rewards = [row[0] for row in cheapest]
        pools.reward_cost = max(row[1] for row in cheapest)
        return pools

    def _eligible(self, name: str) -> list[int]:
        if name not in self._left:
            params = {"today": self.today, "cost": self.reward_cost, "article": self.pushed_article}
            with self.engine.connect() as conn:
                ids = [row[0] for row in conn.execute(text(ELIGIBLE[name]), params)]
            self._left[name] = self.rng.permutation(ids).tolist()
        return self._left[name]

    def size(self, name: str) -> int:
        return len(self._eligible(name))

    def take(self, name: str, count: int) -> list[int]:
        """`count` users not handed out before (fewer if the pool runs out)."""
        left = self._eligible(name)
        taken, self._left[name] = left[:count], left[count:]
        return taken

    def sample(self, name: str, count: int) -> list[int]:
        """Members for reads: may repeat across scenarios, never consumed."""
        left = self._eligible(name)
        return [left[i] for i in self.rng.integers(0, len(left), count).tolist()]

    def enrollees(self, count: int) -> list[Enrollee]:
        """Residents who are not volunteers, each at a point inside a promoter's zone."""
        with self.engine.connect() as conn:
            codes = conn.execute(text(CODES)).all()
        people = self.take("enroll", count)
        shapes = {}
        enrollees = []
        for n, user_id in enumerate(people):
            scene, stored = codes[n % len(codes)]
            if scene not in shapes:
                data = stored if isinstance(stored, dict) else json.loads(stored)
                shapes[scene] = shape(data["shape"])
            polygon = shapes[scene]
            centre = polygon.representative_point()
            while True:
                lng, lat = (
                    centre.x + self.rng.normal(0, 0.0005),
                    centre.y + self.rng.normal(0, 0.0005),
                )
                if contains_xy(polygon, lng, lat):
                    break
            enrollees.append(Enrollee(user_id, scene, round(lng, 6), round(lat, 6)))
        return enrollees

    def token(self, user_id: int) -> str:
        """An access token as the app issues them: identity str(user id), a fresh `sid`."""
        if user_id not in self._tokens:
            with self.app.app_context():
                self._tokens[user_id] = create_access_token(
                    identity=str(user_id), additional_claims={"sid": str(uuid.uuid4())}
                )
        return self._tokens[user_id]
