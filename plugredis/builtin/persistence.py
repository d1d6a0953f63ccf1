"""Built-in persistence commands: SAVE, BGSAVE, LASTSAVE, SHUTDOWN; the default RDB backend.

The machinery lives in :mod:`plugredis.persistence.snapshot` (``server.persistence``); these
handlers only parse arguments and answer exactly as Redis 7.0 does:

- ``SAVE``: ``+OK``; ``-ERR Background save already in progress`` while a BGSAVE runs; a failed
  save answers Redis's bare ``-ERR`` (the reason is in the log and in INFO).
- ``BGSAVE [SCHEDULE]``: ``+Background saving started``; inside MULTI/EXEC
  ``+Background saving scheduled`` (the save starts right after); while one runs (with or
  without SCHEDULE) ``-ERR Background save already in progress``.
- ``LASTSAVE``: the Unix time of the last successful save (start-up counts as one).
- ``SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]``: saves when snapshots are enabled (or with
  SAVE), then closes every connection and stops without a reply; if the save fails the server
  keeps running and answers ``-ERR Errors trying to SHUTDOWN. Check logs.`` (FORCE exits anyway).
  ``ABORT`` answers ``-ERR No shutdown in progress.`` (a plugredis shutdown never waits for
  replicas, so there is never one to abort).
"""

from __future__ import annotations

from typing import Any

from ..blocking import BLOCKED
from ..commands import CommandError, arg, command
from ..connection import Client
from ..hookspecs import hookimpl
from ..persistence.snapshot import RdbBackend, SaveError, SaveInProgressError
from ..resp import OK, SimpleString

IN_PROGRESS = "ERR Background save already in progress"


@command(
    "SAVE",
    arity=1,
    flags="admin noscript no_async_loading no_multi",
    summary="Synchronously save the dataset to disk",
    since="1.0.0",
    group="server",
    complexity="O(N) where N is the total number of keys in all databases",
)
def save(ctx: Client) -> Any:
    """SAVE"""
    persistence = ctx.server.persistence
    try:
        ok = persistence.save()
    except SaveInProgressError:
        raise CommandError(IN_PROGRESS)
    if not ok:
        raise CommandError("ERR")
    return OK


@command(
    "BGSAVE",
    arity=-1,
    flags="admin noscript no_async_loading",
    summary="Asynchronously save the dataset to disk",
    since="1.0.0",
    group="server",
    complexity="O(1)",
    history=[("3.2.2", "Added the `SCHEDULE` option.")],
    arguments=[
        arg("schedule", "pure-token", token="SCHEDULE", optional=True, since="3.2.2"),
    ],
)
def bgsave(ctx: Client, *args: bytes) -> Any:
    """BGSAVE [SCHEDULE]"""
    if args and (len(args) > 1 or args[0].lower() != b"schedule"):
        raise CommandError("ERR syntax error")
    persistence = ctx.server.persistence
    if persistence.child is not None:
        raise CommandError(IN_PROGRESS)
    if ctx.in_exec:
        # Redis never forks inside a transaction: the cron starts it right after.
        persistence.bgsave_scheduled = True
        return SimpleString(b"Background saving scheduled")
    try:
        persistence.bgsave()
    except SaveInProgressError:
        raise CommandError(IN_PROGRESS)
    except SaveError:
        raise CommandError("ERR")
    return SimpleString(b"Background saving started")


@command(
    "LASTSAVE",
    arity=1,
    flags="loading stale fast",
    acl="admin dangerous",
    summary="Get the UNIX time stamp of the last successful save to disk",
    since="1.0.0",
    group="server",
    complexity="O(1)",
    tips=["nondeterministic_output"],
)
def lastsave(ctx: Client) -> Any:
    """LASTSAVE"""
    return ctx.server.persistence.lastsave


@command(
    "SHUTDOWN",
    arity=-1,
    flags="admin noscript loading stale no_multi allow_busy",
    summary="Synchronously save the dataset to disk and then shut down the server",
    since="1.0.0",
    group="server",
    complexity=(
        "O(N) when saving, where N is the total number of keys in all databases when saving "
        "data, otherwise O(1)"
    ),
    history=[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")],
    arguments=[
        arg(
            "nosave_save",
            "oneof",
            optional=True,
            arguments=[
                arg("nosave", "pure-token", token="NOSAVE"),
                arg("save", "pure-token", token="SAVE"),
            ],
        ),
        arg("now", "pure-token", token="NOW", optional=True, since="7.0.0"),
        arg("force", "pure-token", token="FORCE", optional=True, since="7.0.0"),
        arg("abort", "pure-token", token="ABORT", optional=True, since="7.0.0"),
    ],
)
def shutdown(ctx: Client, *args: bytes) -> Any:
    """SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]"""
    nosave = save_ = now = force = abort = False
    for a in args:
        opt = a.lower()
        if opt == b"nosave":
            nosave = True
        elif opt == b"save":
            save_ = True
        elif opt == b"now":
            now = True
        elif opt == b"force":
            force = True
        elif opt == b"abort":
            abort = True
        else:
            raise CommandError("ERR syntax error")
    if (abort and (nosave or save_ or now or force)) or (nosave and save_):
        raise CommandError("ERR syntax error")
    if abort:
        raise CommandError("ERR No shutdown in progress.")
    if ctx.in_exec:
        # Redis refuses SHUTDOWN when MULTI queues it (no_multi); never stop from inside EXEC.
        raise CommandError("ERR Command not allowed inside a transaction")
    server = ctx.server
    want = True if save_ else False if nosave else None
    if not server.prepare_shutdown(save=want, force=force, keep=ctx):
        raise CommandError("ERR Errors trying to SHUTDOWN. Check logs.")
    # Like Redis, no reply: the connection is closed and the server stops.
    ctx.closing = True
    server.request_stop()
    return BLOCKED


@hookimpl
def register_commands(register: Any) -> None:
    register(save, bgsave, lastsave, shutdown)


@hookimpl(trylast=True)
def persistence_backend(server: Any) -> Any:
    """The default backend: a real Redis dump.rdb."""
    return RdbBackend()


@hookimpl
def info_sections(server: Any) -> Any:
    """``latest_fork_usec`` and ``total_forks`` in ``INFO stats``, as Redis shows them."""
    persistence = getattr(server, "persistence", None)
    if persistence is None:
        return None
    return {"stats": persistence.stats_info()}
