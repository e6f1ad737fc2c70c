"""``sohoa keys``: create, list and revoke API keys from the machine that holds the database.

This is also the way back in when every admin key is lost: whoever can run
the CLI against the database can create a new one.
"""

from __future__ import annotations

import getpass
import sys
from datetime import datetime

import click

from storage.roles import API_KEY_ROLES

EXIT_NOT_FOUND = 13  # as sohoa.cli's (which imports this module, so not imported from there)


@click.group()
def keys() -> None:
    """Create, list and revoke API keys."""


@keys.command("create")
@click.option("--role", required=True, type=click.Choice(API_KEY_ROLES), help="What it may do.")
@click.option(
    "--unit", "-u", "units", multiple=True, help="A unit it works in (repeat for several)."
)
@click.option("--name", help="Who or what uses it, e.g. 'Một cửa xã A'.")
@click.option(
    "--reuse",
    "reuse_scope",
    multiple=True,
    help="System keys: a unit code, or province:<code> (e.g. province:H26), where it may "
    "look a citizen's papers up by ID number (repeat for several).",
)
def create(
    role: str, units: tuple[str, ...], name: str | None, reuse_scope: tuple[str, ...]
) -> None:
    """Create a key; prints it once, on stdout."""
    from pipeline.runtime import runtime
    from storage import apikeys

    try:
        with runtime().session() as s:
            key, secret = apikeys.create_key(
                s, role=role, units=units, name=name, actor=_actor(), reuse_scope=reuse_scope
            )
            key_id, scope = key.id, ", ".join(key.units) or "all units"
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(secret)
    click.echo(
        f"key {key_id} ({role}, {scope}) created; it will not be shown again: store it now",
        err=True,
    )


@keys.command("list")
def list_() -> None:
    """List keys: id, name, role, units, created, revoked, last used (never the secret)."""
    from pipeline.runtime import runtime
    from storage import apikeys

    click.echo("id\tname\trole\tunits\tcreated\trevoked\tlast used")
    with runtime().session() as s:
        for key in apikeys.list_keys(s):
            units = ",".join(key.units) or "*"
            times = (_time(key.created_at), _time(key.revoked_at), _time(key.last_used_at))
            click.echo("\t".join([key.id, key.name, key.role, units, *times]))


@keys.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> None:
    """Revoke KEY_ID: it stops working at once, for good."""
    from pipeline.runtime import runtime
    from storage import apikeys

    try:
        with runtime().session() as s:
            key, changed = apikeys.revoke_key(s, key_id, actor=_actor())
            when = _time(key.revoked_at)
    except LookupError:
        click.echo(f"sohoa: error: no key {key_id}", err=True)
        sys.exit(EXIT_NOT_FOUND)
    click.echo(f"{key_id}\trevoked {when}" + ("" if changed else " (already)"))


def _actor() -> str:
    """``cli:<user>`` for the audit trail: keys made at the console are someone's doing."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"
