"""`flask users set-password` and `flask users totp`: an operator on the server gives a staff
member a console password (and login name) or turns TOTP on or off. Audited (via cli)."""

from __future__ import annotations

import sys

import click

from miniapp_api.errors import AppError
from miniapp_api.staff import service as staff
from miniapp_api.users.models import User


def _explain(exc: AppError) -> str:
    details = [
        "; ".join(map(str, problems))
        for fields in exc.errors.values()
        if isinstance(fields, dict)
        for problems in fields.values()
    ]
    return "; ".join([exc.message, *details])


def _user(user_ref: str) -> User:
    from miniapp_api.admin import service as admin  # the operator's way of naming a user

    return admin.find_user(user_ref)


@click.command("set-password")
@click.argument("user_ref", metavar="USER")
@click.option("--login", default=None, help="The login name to sign in with (else the user id).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(user_ref: str, login: str | None, password_stdin: bool) -> None:
    """Set the console password of USER (a user id or a WeChat openid; staff only). Prompts
    twice unless --password-stdin. Every console session of USER ends."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = staff.set_password(_user(user_ref).id, password, login, None)
    except AppError as exc:
        raise click.ClickException(_explain(exc)) from exc
    credential = staff.credential_of(user.id)
    name = credential.login if credential and credential.login else str(user.id)
    click.echo(f"password set for user {user.id}; signs in to the console as {name!r}")


@click.command("totp")
@click.argument("user_ref", metavar="USER")
@click.option("--enable/--disable", required=True, help="Turn TOTP on (new secret) or off.")
def totp(user_ref: str, enable: bool) -> None:
    """Turn the console's TOTP step on or off for USER. --enable prints the otpauth URI and
    the secret once: add them to an authenticator app now."""
    try:
        user = _user(user_ref)
        secret = staff.set_totp(user.id, enable, None)
    except AppError as exc:
        raise click.ClickException(_explain(exc)) from exc
    if secret is None:
        click.echo(f"TOTP disabled for user {user.id}")
        return
    click.echo(f"TOTP enabled for user {user.id}; shown once, keep it out of chat and email:")
    click.echo(f"  secret: {secret}")
    click.echo(f"  uri:    {staff.provisioning_uri(user, secret)}")
