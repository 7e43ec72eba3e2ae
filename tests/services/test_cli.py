"""`flask content sync` and `flask users create-admin`."""

import shutil

from sqlalchemy import func, select

from miniapp_api.articles.models import Article
from miniapp_api.categories.models import Category
from miniapp_api.config import PROJECT_ROOT
from miniapp_api.storage import db, unit_of_work
from miniapp_api.users.models import User


def category_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Category))


def test_content_sync_loads_then_changes_nothing(app):
    """The first sync creates the categories; the second reports them unchanged."""
    runner = app.test_cli_runner()
    first = runner.invoke(args=["content", "sync"])
    assert first.exit_code == 0, first.output
    assert "categories_created=18" in first.output
    assert "questions_created=648" in first.output
    second = runner.invoke(args=["content", "sync"])
    assert "categories_unchanged=18" in second.output
    assert "created" not in second.output and "updated" not in second.output
    assert category_count(app) == 18


def test_dry_run_writes_nothing(app):
    """--dry-run validates and counts, and the database stays empty."""
    result = app.test_cli_runner().invoke(args=["content", "sync", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "categories_created=18" in result.output
    assert category_count(app) == 0


def test_invalid_content_changes_nothing(app, tmp_path):
    """A broken file fails the sync with its name and field; nothing is written."""
    shutil.copytree(PROJECT_ROOT / "content", tmp_path, dirs_exist_ok=True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "sync", "--dir", str(tmp_path)]).exit_code == 0
    path = tmp_path / "categories.yaml"
    text = path.read_text(encoding="utf-8").replace("养老诈骗", "")
    path.write_text(text.replace('name: ""', "name: 123x" + "长" * 40), encoding="utf-8")
    with app.app_context():
        before = db.session.scalars(select(Category.name).order_by(Category.slug)).all()
    result = runner.invoke(args=["content", "sync", "--dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "categories.yaml" in result.output and ".name" in result.output
    with app.app_context():
        after = db.session.scalars(select(Category.name).order_by(Category.slug)).all()
    assert after == before


def test_create_admin_grants_the_role(app):
    """create-admin makes (or promotes) the user with that openid an admin."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "o-officer", "--nickname", "李警官"])
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    again = runner.invoke(args=["users", "create-admin", "o-officer"])
    assert "updated" in again.output
    with app.app_context():
        users = db.session.scalars(select(User).where(User.openid == "o-officer")).all()
        assert len(users) == 1
        assert users[0].roles == ["resident", "admin"]
        assert users[0].nickname == "李警官"


def test_leaderboards_rebuild_restores_the_summary(app, make_user):
    """`flask leaderboards rebuild` recomputes lost summary rows from the ledger."""
    from miniapp_api.leaderboards.models import LeaderboardScore
    from miniapp_api.points import service as points

    volunteer = make_user(roles=["volunteer"])
    with unit_of_work():
        points.award(volunteer, "enrolled", "once")
    db.session.execute(LeaderboardScore.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["leaderboards", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "week: 1, month: 1, all: 1" in result.output
    rows = db.session.scalars(select(LeaderboardScore.score)).all()
    assert rows == [10, 10, 10]


def _article_status(app, slug):
    with app.app_context():
        return db.session.scalar(select(Article.status).where(Article.slug == slug))


def test_sync_updates_by_slug_and_archives_removed_articles(app, tmp_path):
    """An edited file updates its article in place; a removed file archives it, and a
    returning file brings it back. Nothing is ever duplicated."""
    shutil.copytree(PROJECT_ROOT / "content", tmp_path, dirs_exist_ok=True)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["content", "sync", "--dir", str(tmp_path)])
    total = len(list((tmp_path / "articles").glob("*.md")))
    assert f"articles_created={total}" in first.output
    victim = sorted((tmp_path / "articles").glob("*.md"))[0]
    edited = sorted((tmp_path / "articles").glob("*.md"))[1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补充一句提醒。\n", encoding="utf-8")
    saved = victim.read_text(encoding="utf-8")
    victim.unlink()
    refused = runner.invoke(args=["content", "sync", "--dir", str(tmp_path)])
    assert refused.exit_code != 0 and "does not exist" in refused.output  # questions need it
    second = runner.invoke(args=["content", "sync", "--dir", str(tmp_path), "--skip-check"])
    assert "articles_updated=1" in second.output and "articles_archived=1" in second.output
    assert _article_status(app, victim.stem) == "archived"
    victim.write_text(saved, encoding="utf-8")
    third = runner.invoke(args=["content", "sync", "--dir", str(tmp_path)])
    assert "articles_updated=1" in third.output
    assert _article_status(app, victim.stem) == "published"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == total


def test_an_invalid_article_names_file_and_field_and_changes_nothing(app, tmp_path):
    shutil.copytree(PROJECT_ROOT / "content", tmp_path, dirs_exist_ok=True)
    broken = sorted((tmp_path / "articles").glob("*.md"))[3]
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("category: ", "category: no-such-", 1), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "sync", "--dir", str(tmp_path)])
    assert result.exit_code != 0
    assert broken.name in result.output and "category" in result.output
    assert category_count(app) == 0  # not even the valid categories were written


def test_zones_import_creates_then_updates_by_slug_and_refuses_bad_files(app, tmp_path):
    from miniapp_api.zones.models import Zone

    sample = PROJECT_ROOT / "content" / "zones" / "cixi-sample.geojson"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["zones", "import", str(sample), "--coord-type", "gcj02"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        zones = db.session.scalars(select(Zone)).all()
        assert len(zones) >= 6 and all(zone.shape["datum"] == "gcj02" for zone in zones)
        children = [zone for zone in zones if zone.parent_id is not None]
        assert children, "the sample has communities inside a street"
        total = len(zones)
    again = runner.invoke(args=["zones", "import", str(sample), "--coord-type", "gcj02"])
    assert f"unchanged={total}" in again.output
    broken = tmp_path / "broken.geojson"
    text = sample.read_text(encoding="utf-8")
    broken.write_text(
        text.replace('"slug": "kandun-street"', '"slug": "new-street"').replace(
            '"type": "Polygon"', '"type": "Polygonal"', 1
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["zones", "import", str(broken), "--coord-type", "gcj02"])
    assert result.exit_code != 0 and "features[" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Zone)) == total


def test_content_check_reports_and_fails_on_a_leaky_bank(app):
    """`flask content check` passes on the shipped corpus and fails on a bank whose right
    options are always the longest."""
    runner = app.test_cli_runner()
    shipped = runner.invoke(args=["content", "check"])
    assert shipped.exit_code == 0, shipped.output
    assert "Result: OK" in shipped.output
    leaky = runner.invoke(
        args=["content", "check", "--dir", str(PROJECT_ROOT / "tests/fixtures/content_leaky")]
    )
    assert leaky.exit_code != 0
    assert "the right option is the longest" in leaky.output
