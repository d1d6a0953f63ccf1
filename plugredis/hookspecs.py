"""Every hook a plugredis plugin can implement.

Hooks run when a server is assembled and at lifecycle events, **never per command**: dispatch is a
dict lookup built from what ``register_commands`` registered.  Implementations may take fewer
arguments than a spec lists (pluggy's opt-in arguments), so specs can grow without breaking
plugins.  Implement them with the ``plugredis.hookimpl`` marker::

    from plugredis import hookimpl

    @hookimpl
    def register_commands(register):
        register(my_command)

The reference page ``docs/hooks.md`` documents each hook; a test checks it is complete.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("plugredis")

# -------------------------------------------------------------------------------------------------
# Registration hooks: called once per server, while it is assembled
# -------------------------------------------------------------------------------------------------


@hookspec
def register_commands(register: Any) -> None:
    """Register the plugin's commands.

    :param register: ``register(*objs)`` accepts handlers decorated with
        :func:`plugredis.command`, :class:`plugredis.CommandSpec` objects, lists of them, or whole
        modules (every decorated handler in the module is registered).  A name that another
        plugin already registered is refused at start-up, naming both plugins.
    """


@hookspec
def register_types(register: Any) -> None:
    """Register the value types the plugin stores in the keyspace.

    :param register: ``register(spec)`` takes a :class:`plugredis.TypeSpec`: the name ``TYPE``
        answers, the Python class of stored values (WRONGTYPE checks compare it), and optional
        copy/encoding/memory callbacks, the RDB codec, and ``pack``/``unpack`` to store small
        values as compact ``bytes`` images between commands (the keyspace unpacks them on
        lookup and packs them again once unused).
    """


@hookspec
def register_config(register: Any, server: Any) -> None:
    """Register CONFIG parameters.

    :param register: ``register(name, get, set=None, aliases=())``; ``get()`` returns the current
        value as ``str``, ``set(value: str)`` applies a new one or raises ``ValueError`` with the
        reason.  ``CONFIG GET``/``CONFIG SET`` then serve it with Redis's glob matching.
    :param server: the :class:`plugredis.server.Server` being assembled (opt-in: take it only if
        the getters and setters need server state).  State the setters keep for the handlers
        goes in ``server.plugin_state[<plugin name>]``, which handlers read back with one dict
        lookup (``ctx.server.plugin_state``) and which is dropped with the server.
    """


@hookspec
def register_key_listeners(register: Any) -> None:
    """Subscribe to key events.

    :param register: ``register(callback)``; ``callback(event, db, key)`` is called with
        ``event`` one of ``"written"``, ``"deleted"``, ``"expired"``, ``"renamed_from"``,
        ``"renamed_to"`` (a plugin command may pass its own), ``db`` the database index and
        ``key`` the key (bytes), from the same path that invalidates WATCH, right after the
        change.  Callbacks run on the event loop inside the command: keep them short and never
        raise.  A server with no listener pays nothing for this hook.
    """


@hookspec
def register_cli(cli: Any) -> None:
    """Add sub-commands to the ``plugredis`` command line.

    :param cli: the ``click.Group`` of ``plugredis``; add commands with ``@cli.command()``.
        Called when the command line is built, for every installed plugin.
    """


# -------------------------------------------------------------------------------------------------
# Lifecycle hooks
# -------------------------------------------------------------------------------------------------


@hookspec
def server_started(server: Any) -> None:
    """Called once the server listens (``server.port`` is the bound port).

    :param server: the :class:`plugredis.server.Server`.  Start background tasks here with
        ``server.loop.create_task(...)``; cancel them in :func:`server_stopping`.
    """


@hookspec
def server_stopping(server: Any) -> None:
    """Called when the server shuts down gracefully, after the final save (a failed save on
    SIGTERM or SHUTDOWN keeps the server running, as in Redis, so the hook waits for it).

    :param server: the :class:`plugredis.server.Server`.
    """


@hookspec
def info_sections(server: Any) -> Any:
    """Add sections to ``INFO``.

    :param server: the :class:`plugredis.server.Server`.
    :returns: a dict mapping a section name (lower case) to a dict of ``field: value`` pairs,
        or None.  ``INFO <section>`` and ``INFO everything`` show them.
    """


# -------------------------------------------------------------------------------------------------
# Persistence hooks
# -------------------------------------------------------------------------------------------------


@hookspec
def before_save(server: Any) -> None:
    """Called in the server process right before a snapshot is taken (SAVE, BGSAVE, timers).

    :param server: the :class:`plugredis.server.Server`.
    """


@hookspec
def after_save(server: Any, path: Any) -> None:
    """Called after a snapshot was written successfully.

    :param server: the :class:`plugredis.server.Server`.
    :param path: the ``pathlib.Path`` of the file written.
    """


@hookspec(firstresult=True)
def persistence_backend(server: Any) -> Any:
    """Return the object that saves and loads the keyspace.

    The first non-None result wins; the built-in RDB backend is registered ``trylast``, so a
    plugin that returns a backend replaces it.  A backend has ``load(server)`` and
    ``save(server, path)`` methods.

    :param server: the :class:`plugredis.server.Server`.
    """


#: The marker plugins use for their hook implementations (re-exported as ``plugredis.hookimpl``).
hookimpl = pluggy.HookimplMarker("plugredis")
