"""Flask commands: content sync, zones import, users create-admin/grant/revoke/find/
set-password/totp, points verify, leaderboards rebuild."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from miniapp_api.admin import service as admin
from miniapp_api.content import sync
from miniapp_api.content.check import check_corpus
from miniapp_api.content.files import ContentError
from miniapp_api.errors import AppError
from miniapp_api.leaderboards import service as leaderboards
from miniapp_api.points import service as points
from miniapp_api.staff import cli as staff_cli
from miniapp_api.users import service as users
from miniapp_api.users.models import GRANTED_ROLES
from miniapp_api.zones import admin_service as zones_admin
from miniapp_api.zones import service as zones
from miniapp_api.zones.geo import GeometryError

content_cli = AppGroup("content", help="Load the files under content/.")
users_cli = AppGroup("users", help="Manage accounts.")
points_cli = AppGroup("points", help="Check the points ledger.")
leaderboards_cli = AppGroup("leaderboards", help="Maintain the leaderboards.")
zones_cli = AppGroup("zones", help="Load zones (电子围栏).")
jobs_cli = AppGroup("jobs", help="Background jobs.")


@content_cli.command("sync")
@click.option("--dry-run", is_flag=True, help="Validate and report, change nothing.")
@click.option(
    "--dir",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Content folder (default: CONTENT_DIR).",
)
@click.option("--skip-check", is_flag=True, help="Load without the content checker's rules.")
def content_sync(dry_run: bool, content_dir: Path | None, skip_check: bool) -> None:
    """Check and validate every content file, then create or update by slug."""
    folder = content_dir or Path(current_app.config["CONTENT_DIR"])
    if not skip_check:
        report = check_corpus(folder)
        if not report.ok:
            click.echo("\n".join(report.lines()), err=True)
            raise click.ClickException("the content checker refused the corpus; nothing changed")
    files = sync.content_files(folder)
    try:
        with click.progressbar(length=len(files), label="reading content") as bar:
            counts = sync.sync_content(folder, dry_run=dry_run, progress=bar.update)
    except ContentError as exc:
        raise click.ClickException(f"invalid content, nothing changed: {exc}") from exc
    summary = ", ".join(f"{key}={value}" for key, value in sorted(counts.items())) or "nothing"
    click.echo(("dry run, nothing written: " if dry_run else "content synced: ") + summary)


@content_cli.command("check")
@click.option(
    "--dir",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Content folder (default: CONTENT_DIR).",
)
def content_check(content_dir: Path | None) -> None:
    """Report on the corpus (quiz guessability, plain language, labels); fail on the
    hard rules."""
    report = check_corpus(content_dir or Path(current_app.config["CONTENT_DIR"]))
    click.echo("\n".join(report.lines()))
    if not report.ok:
        raise click.ClickException(f"{len(report.errors)} content rule(s) broken")


@users_cli.command("create-admin")
@click.argument("openid")
@click.option("--nickname", default=None, help="Display name for the admin.")
def create_admin(openid: str, nickname: str | None) -> None:
    """Grant the city-wide `admin` role to the user with this WeChat OPENID
    (creating the account if it does not exist yet)."""
    user, created = users.create_admin(openid, nickname)
    click.echo(
        f"{'created' if created else 'updated'} user {user.id}: roles {', '.join(user.roles)}"
    )


@users_cli.command("grant")
@click.argument("user_ref", metavar="USER")
@click.argument("role", type=click.Choice(GRANTED_ROLES))
@click.option(
    "--zone",
    "zone_ids",
    type=int,
    multiple=True,
    help="A zone id for `promoter` or `station_admin` (repeat for several).",
)
def users_grant(user_ref: str, role: str, zone_ids: tuple[int, ...]) -> None:
    """Grant ROLE to USER (a user id or a WeChat openid); `promoter` and `station_admin`
    need --zone. Audited as an operator's command (via cli)."""
    try:
        user = admin.find_user(user_ref)
        roles = zones_admin.grant_role(user.id, role, list(zone_ids), None)
    except AppError as exc:
        raise click.ClickException(_explain(exc)) from exc
    click.echo(_roles_line(roles))


@users_cli.command("revoke")
@click.argument("user_ref", metavar="USER")
@click.argument("role", type=click.Choice(GRANTED_ROLES))
def users_revoke(user_ref: str, role: str) -> None:
    """Revoke ROLE and its zones from USER (a user id or a WeChat openid). Audited as an
    operator's command (via cli)."""
    try:
        user = admin.find_user(user_ref)
        roles = zones_admin.revoke_role(user.id, role, None)
    except AppError as exc:
        raise click.ClickException(_explain(exc)) from exc
    click.echo(_roles_line(roles))


@users_cli.command("find")
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 100), default=50, help="At most this many.")
def users_find(query: str, limit: int) -> None:
    """Find users as GET /admin/users?q= does: nickname, id, openid suffix, promoter
    phone; every zone, banned users too. Prints id, nickname, roles, zone, status."""
    found = admin.find_users(None, q=query, per_page=limit)
    for item in found.items:
        user = item.user
        zone = f"{user.zone_id} {item.zone_name}" if user.zone_id else "-"
        roles = ",".join(user.roles)
        click.echo(f"{user.id}\t{user.nickname or '-'}\t{roles}\t{zone}\t{user.status}")
    if not found.items:
        click.echo("no user found")
    elif found.total > len(found.items):
        click.echo(f"… and {found.total - len(found.items)} more (use --limit or a longer query)")


def _roles_line(roles: zones_admin.UserRoles) -> str:
    zones_held = ", ".join(f"{grant.role}:{grant.zone_id}" for grant in roles.zones) or "none"
    return f"user {roles.id}: roles {', '.join(roles.roles)}; zones {zones_held}"


def _explain(exc: AppError) -> str:
    """The error's message and, for a validation error, each field's complaint."""
    details = [
        f"{field}: {'; '.join(map(str, problems))}"
        for fields in exc.errors.values()
        if isinstance(fields, dict)
        for field, problems in fields.items()
    ]
    return "; ".join([exc.message, *details])


@points_cli.command("verify")
def points_verify() -> None:
    """Check that every cached balance equals the sum of the user's ledger rows."""
    mismatches = points.verify_balances()
    for user_id, cached, ledger in mismatches:
        click.echo(f"user {user_id}: cached balance {cached}, ledger sum {ledger}")
    if mismatches:
        raise click.ClickException(f"{len(mismatches)} balance(s) differ from the ledger")
    click.echo("all balances equal their ledger sums")


@leaderboards_cli.command("rebuild")
def leaderboards_rebuild() -> None:
    """Recompute the leaderboards from the ledger: the summary table, then Redis."""
    counts = leaderboards.rebuild()
    summary = ", ".join(f"{period}: {count}" for period, count in counts.items())
    click.echo(f"leaderboards rebuilt from the ledger (rows per period: {summary})")


@zones_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--coord-type",
    type=click.Choice(["gcj02", "wgs84"]),
    required=True,
    help="The datum of the file's coordinates (AMap/Tencent drawings are gcj02).",
)
def zones_import(path: Path, coord_type: str) -> None:
    """Create or update zones by slug from a GeoJSON FeatureCollection; all or nothing."""
    try:
        with click.progressbar(length=_feature_count(path), label="checking zones") as bar:
            counts = zones.import_zones(path, coord_type, progress=bar.update)
    except GeometryError as exc:
        raise click.ClickException(f"{path}: {exc.field}: {exc.message}; nothing changed") from exc
    click.echo("zones imported: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def _feature_count(path: Path) -> int:
    import json

    try:
        return len(json.loads(path.read_text(encoding="utf-8")).get("features") or [])
    except (ValueError, AttributeError, OSError):
        return 0


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=None, help="Worker threads (default: JOBS_WORKERS).")
@click.option(
    "--periodic/--no-periodic",
    default=True,
    help="Also schedule the periodic tasks (one consumer).",
)
def jobs_worker(workers: int | None, periodic: bool) -> None:
    """Run a job consumer (with the periodic tasks unless --no-periodic) until interrupted."""
    from miniapp_api.jobs import bind, huey

    if huey.immediate:
        raise click.ClickException("JOBS_BACKEND is immediate: jobs run at once, no worker")
    bind(current_app._get_current_object())
    count = workers or current_app.config["JOBS_WORKERS"]
    huey.create_consumer(workers=count, worker_type="thread", periodic=periodic).run()


users_cli.add_command(staff_cli.set_password)
users_cli.add_command(staff_cli.totp)


def register_commands(app: Flask) -> None:
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(points_cli)
    app.cli.add_command(leaderboards_cli)
    app.cli.add_command(zones_cli)
    app.cli.add_command(jobs_cli)
