"""Built-in transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

While a client is in MULTI the dispatcher queues every command except EXEC, DISCARD, MULTI,
WATCH, QUIT and RESET (after checking that it exists and its arity, as Redis does: such an error
aborts the EXEC).  EXEC runs the queue back to back inside one handler call, so nothing else runs
in between.  WATCH invalidation comes from ``Database.signal_modified``.
"""

from __future__ import annotations

import sys
from typing import Any

from ..blocking import BLOCKED
from ..commands import CommandError, KeySpec, arg, command
from ..connection import REPLY_MUTED, Client
from ..hookspecs import hookimpl
from ..protocol import exec_call
from ..resp import NULL_ARRAY, OK, Error, PartialArray


@command(
    "MULTI",
    arity=1,
    flags="noscript loading stale fast allow_busy",
    acl="transaction",
    summary="Mark the start of a transaction block",
    since="1.2.0",
    group="transactions",
    complexity="O(1)",
)
def multi(ctx: Client) -> Any:
    """MULTI"""
    if ctx.multi is not None:
        raise CommandError("ERR MULTI calls can not be nested")
    ctx.multi = []
    ctx.multi_error = False
    ctx.multi_flags = False
    ctx.update_fast()
    return OK


@command(
    "EXEC",
    arity=1,
    flags="noscript loading stale skip_slowlog",
    acl="transaction",
    summary="Execute all commands issued after MULTI",
    since="1.2.0",
    group="transactions",
    complexity="Depends on commands in the transaction",
)
def exec_(ctx: Client) -> Any:
    """EXEC"""
    queue = ctx.multi
    if queue is None:
        raise CommandError("ERR EXEC without MULTI")
    aborted = ctx.multi_error
    dirty = ctx.dirty_cas or _watched_key_expired(ctx)
    _end_multi(ctx)
    if aborted:
        raise CommandError("EXECABORT Transaction discarded because of previous errors.")
    if dirty:
        return NULL_ARRAY
    replies: list[Any] = []
    argv = ctx.argv
    # CLIENT REPLY: Redis writes the array's header first, then each reply made while replies
    # are on (OFF and SKIP make no reply themselves; SKIP applies after the EXEC)
    header = not ctx.reply_mode & REPLY_MUTED
    ctx.in_exec = True
    try:
        for spec, qargv in queue:
            reply = exec_call(ctx, spec, qargv)
            if reply is BLOCKED or ctx.reply_mode & REPLY_MUTED:
                continue
            if isinstance(reply, CommandError):
                reply = Error(reply.encode()[1:-2])
            replies.append(reply)
    finally:
        ctx.in_exec = False
        ctx.argv = argv
    if not header or len(replies) < len(queue):
        return PartialArray(replies, len(queue) if header else None)
    return replies


def _end_multi(ctx: Client) -> None:
    """Leave MULTI state and forget the WATCHed keys (EXEC, DISCARD)."""
    ctx.multi = None
    ctx.multi_error = False
    ctx.multi_flags = False
    ctx.unwatch_all()
    ctx.update_fast()


def _watched_key_expired(ctx: Client) -> bool:
    """A WATCHed key that expired since (even if not yet removed) makes EXEC fail, as in Redis."""
    if not ctx.watched:
        return False
    now = ctx.server.clock.ms()
    for db, key in ctx.watched:
        when = db.expires.get(key) if db.expires else None
        if when is not None and when <= now and key in db.data:
            return True
    return False


@command(
    "DISCARD",
    arity=1,
    flags="noscript loading stale fast allow_busy",
    acl="transaction",
    summary="Discard all commands issued after MULTI",
    since="2.0.0",
    group="transactions",
    complexity="O(N), when N is the number of queued commands",
)
def discard(ctx: Client) -> Any:
    """DISCARD"""
    if ctx.multi is None:
        raise CommandError("ERR DISCARD without MULTI")
    _end_multi(ctx)
    return OK


@command(
    "WATCH",
    arity=-2,
    flags="noscript loading stale fast allow_busy",
    keys=(1, -1, 1),
    acl="transaction",
    summary="Watch the given keys to determine execution of the MULTI/EXEC block",
    since="2.2.0",
    group="transactions",
    complexity="O(1) for every key.",
    key_specs=[
        KeySpec(("index", 1), ("range", -1, 1, 0), ("RO",)),
    ],
    arguments=[
        arg("key", "key", multiple=True, key_spec_index=0),
    ],
)
def watch(ctx: Client, *keys: bytes) -> Any:
    """WATCH key [key ...]"""
    if ctx.multi is not None:
        raise CommandError("ERR WATCH inside MULTI is not allowed")
    db = ctx.db
    for key in keys:
        if any(d is db and k == key for d, k in ctx.watched):
            continue
        # a key that is already logically expired counts as changed if it is touched later
        db.lookup_write(key)
        db.watched.setdefault(key, set()).add(ctx)
        ctx.watched.append((db, key))
    return OK


@command(
    "UNWATCH",
    arity=1,
    flags="noscript loading stale fast allow_busy",
    acl="transaction",
    summary="Forget about all watched keys",
    since="2.2.0",
    group="transactions",
    complexity="O(1)",
)
def unwatch(ctx: Client) -> Any:
    """UNWATCH"""
    ctx.unwatch_all()
    return OK


@hookimpl
def register_commands(register: Any) -> None:
    # EXEC refused before it runs (arity, NOAUTH...) answers EXECABORT: the slow path does that
    exec_.spec.slow = True  # type: ignore[attr-defined]
    register(multi, exec_, discard, watch, unwatch)


_ = (sys, arg, KeySpec)
