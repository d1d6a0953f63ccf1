"""Command specs: the one source of metadata for dispatch, arity, COMMAND and the docs.

A command is a plain synchronous function plus a :class:`CommandSpec`, written next to each
other with the :func:`command` decorator::

    @command("GET", arity=2, flags="readonly fast", keys=(1, 1, 1), acl="string",
             summary="Returns the string value of a key.", since="1.0.0", group="string",
             complexity="O(1)", arguments=[arg("key", "key", key_spec_index=0)])
    def get(ctx, key):
        "GET key"
        return ctx.db.get_string(key)

Fields follow Redis's command table (``COMMAND INFO`` / ``COMMAND DOCS``).  Flags are stored in the
wire spelling only (``denyoom``, not ``DENYOOM`` or ``deny-oom``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ._cext import speedups as _c

#: the C twins of the hottest handlers (plugredis/_speedups.c), where they were built
_c_twin = _c.twin if _c is not None else None

__all__ = [
    "WRONGTYPE",
    "CommandError",
    "CommandSpec",
    "KeySpec",
    "WrongTypeError",
    "arg",
    "c_twin",
    "command",
    "implied_acl_categories",
]

Handler = Callable[..., Any]

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class CommandError(Exception):
    """Raised by a handler to answer with an error reply.

    The message is sent as is, so it must start with the error code: ``ERR syntax error``,
    ``WRONGTYPE ...``, ``NOAUTH ...``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def encode(self) -> bytes:
        msg = self.message.replace("\r", " ").replace("\n", " ")
        return b"-" + msg.encode("utf-8", "surrogateescape") + b"\r\n"


class WrongTypeError(CommandError):
    """The key holds a value of another type."""

    def __init__(self) -> None:
        super().__init__(WRONGTYPE)


#: Flag sets used to derive ACL categories (Redis's ``setImplicitACLCategories``).
_FLAG_ACL = {"write": "write", "pubsub": "pubsub", "fast": "fast", "blocking": "blocking"}


#: Redis's ACL categories in bit order: COMMAND INFO lists a command's categories in this order.
ACL_CATEGORY_ORDER = (
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting",
)  # fmt: skip


def implied_acl_categories(flags: Iterable[str], declared: Iterable[str]) -> list[str]:
    """The ACL categories of a command: the declared ones plus those its flags imply.

    ``write`` implies @write; ``readonly`` implies @read unless the command is in @scripting;
    ``admin`` implies @admin and @dangerous; ``pubsub``, ``fast`` and ``blocking`` imply their
    namesake; a command that is not ``fast`` is @slow (Redis's ``setImplicitACLCategories``).
    Returned in Redis's category order; unknown (plugin-defined) categories come last.
    """
    flags = set(flags)
    cats = set(declared)
    if "write" in flags:
        cats.add("write")
    if "readonly" in flags and "scripting" not in cats:
        cats.add("read")
    if "admin" in flags:
        cats.update(("admin", "dangerous"))
    if "pubsub" in flags:
        cats.add("pubsub")
    if "fast" in flags:
        cats.add("fast")
    if "blocking" in flags:
        cats.add("blocking")
    if "fast" not in cats:
        cats.add("slow")
    order = {c: i for i, c in enumerate(ACL_CATEGORY_ORDER)}
    return sorted(cats, key=lambda c: (order.get(c, len(order)), c))


@dataclass
class KeySpec:
    """One key specification (Redis 7 ``key_specs``): where keys are and what is done to them.

    ``begin_search`` is ``("index", pos)`` or ``("keyword", keyword, startfrom)``;
    ``find_keys`` is ``("range", lastkey, step, limit)`` or ``("keynum", keynumidx, firstkey,
    step)``.  ``flags`` are Redis's key-spec flags (``RW``, ``RO``, ``OW``, ``RM``, ``ACCESS``,
    ``UPDATE``, ``INSERT``, ``DELETE``, ``NOT_KEY``, ``INCOMPLETE``, ``VARIABLE_FLAGS``).
    """

    begin_search: tuple[Any, ...]
    find_keys: tuple[Any, ...]
    flags: tuple[str, ...] = ()
    notes: str | None = None

    def reply(self) -> Any:
        from .resp import Map

        bs: Any
        if self.begin_search[0] == "index":
            bs = Map(type="index", spec=Map(index=self.begin_search[1]))
        elif self.begin_search[0] == "keyword":
            bs = Map(
                type="keyword",
                spec=Map(keyword=self.begin_search[1], startfrom=self.begin_search[2]),
            )
        else:
            bs = Map(type="unknown", spec=Map())
        fk: Any
        if self.find_keys[0] == "range":
            _, lastkey, step, limit = self.find_keys
            fk = Map(type="range", spec=Map(lastkey=lastkey, keystep=step, limit=limit))
        elif self.find_keys[0] == "keynum":
            _, idx, first, step = self.find_keys
            fk = Map(type="keynum", spec=Map(keynumidx=idx, firstkey=first, keystep=step))
        else:
            fk = Map(type="unknown", spec=Map())
        m = Map()
        if self.notes:
            m["notes"] = self.notes
        m["flags"] = _simple_list(self.flags)
        m["begin_search"] = bs
        m["find_keys"] = fk
        return m


def _simple_list(items: Iterable[str]) -> list[Any]:
    from .resp import RespSet, SimpleString

    return RespSet(SimpleString(i.encode()) for i in items)


def arg(
    name: str,
    type: str = "string",
    *,
    token: str | None = None,
    optional: bool = False,
    multiple: bool = False,
    multiple_token: bool = False,
    key_spec_index: int | None = None,
    since: str | None = None,
    summary: str | None = None,
    arguments: list[dict[str, Any]] | None = None,
    deprecated_since: str | None = None,
) -> dict[str, Any]:
    """One argument for ``COMMAND DOCS`` (Redis's argument JSON, in our own spelling)."""
    d: dict[str, Any] = {"name": name, "type": type}
    if key_spec_index is not None:
        d["key_spec_index"] = key_spec_index
    if token is not None:
        d["token"] = token
    if summary is not None:
        d["summary"] = summary
    if since is not None:
        d["since"] = since
    if deprecated_since is not None:
        d["deprecated_since"] = deprecated_since
    flags = []
    if optional:
        flags.append("optional")
    if multiple:
        flags.append("multiple")
    if multiple_token:
        flags.append("multiple_token")
    if flags:
        d["flags"] = flags
    if arguments is not None:
        d["arguments"] = arguments
    return d


@dataclass(slots=True)
class CommandSpec:
    """Everything the server and its tools know about one command.

    ``arity`` is Redis's: the number of arguments including the command name, negative for
    "at least".  ``keys`` is (first, last, step) as in ``COMMAND INFO`` (0, 0, 0 when the command
    takes no key).  ``subcommands`` maps lower-case names to specs named ``parent|sub``.
    """

    name: str
    handler: Handler | None
    arity: int
    flags: tuple[str, ...] = ()
    first_key: int = 0
    last_key: int = 0
    key_step: int = 0
    acl_categories: tuple[str, ...] = ()
    summary: str = ""
    since: str = "1.0.0"
    group: str = "generic"
    complexity: str | None = None
    arguments: list[dict[str, Any]] = field(default_factory=list)
    key_specs: list[KeySpec] = field(default_factory=list)
    tips: tuple[str, ...] = ()
    doc_flags: tuple[str, ...] = ()
    history: list[tuple[str, str]] = field(default_factory=list)
    deprecated_since: str | None = None
    replaced_by: str | None = None
    subcommands: dict[str, CommandSpec] = field(default_factory=dict)
    #: the plugin that registered it (stamped by the registry)
    plugin: str | None = None
    #: True for commands of third-party plugins: COMMAND DOCS shows ``module``.
    external: bool = False
    #: call counter for INFO commandstats
    calls: int = 0
    failed_calls: int = 0
    rejected_calls: int = 0
    #: microseconds spent, calls timed one by one, latency histogram (INFO, LATENCY)
    usec: int = 0
    timed_calls: int = 0
    hist: list[int] | None = None
    #: precomputed flag tests for the dispatcher
    is_blocking: bool = False
    no_auth: bool = False
    #: True sends the command through the dispatcher's slow path (containers, MULTI, QUIT...)
    slow: bool = False
    #: what the fast path calls in ``handler``'s place, where one is given: an equivalent
    #: handler (same arguments, replies and effects), such as a C twin (:func:`c_twin`)
    fast_handler: Handler | None = None
    parent: CommandSpec | None = None

    def __post_init__(self) -> None:
        self.name = self.name.lower()
        self.is_blocking = "blocking" in self.flags
        self.no_auth = "no_auth" in self.flags
        if self.first_key and not self.key_specs and self.handler is not None:
            last = self.last_key
            lastkey = last - self.first_key if last >= 0 else last
            self.key_specs = [
                KeySpec(("index", self.first_key), ("range", lastkey, self.key_step or 1, 0))
            ]

    @property
    def full_name(self) -> str:
        return self.name

    @property
    def acl(self) -> list[str]:
        return implied_acl_categories(self.flags, self.acl_categories)

    def check_arity(self, argc: int) -> bool:
        a = self.arity
        return argc == a if a > 0 else argc >= -a

    def subcommand(self, name: str, **kw: Any) -> Callable[[Handler], Handler]:
        """Decorator registering a subcommand (``CONFIG GET`` is ``config|get``)."""

        def deco(fn: Handler) -> Handler:
            kw.setdefault("group", self.group)
            kw.setdefault("since", self.since)
            spec = _make_spec(f"{self.name}|{name.lower()}", fn, **kw)
            spec.parent = self
            self.subcommands[name.lower()] = spec
            return fn

        return deco


def _split(v: str | Iterable[str] | None) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(v.split())
    return tuple(v)


def _make_spec(
    name: str,
    fn: Handler | None,
    *,
    arity: int,
    flags: str | Iterable[str] | None = None,
    keys: tuple[int, int, int] = (0, 0, 0),
    acl: str | Iterable[str] | None = None,
    summary: str = "",
    since: str = "1.0.0",
    group: str = "generic",
    complexity: str | None = None,
    arguments: list[dict[str, Any]] | None = None,
    key_specs: list[KeySpec] | None = None,
    tips: str | Iterable[str] | None = None,
    doc_flags: str | Iterable[str] | None = None,
    history: list[tuple[str, str]] | None = None,
    deprecated_since: str | None = None,
    replaced_by: str | None = None,
) -> CommandSpec:
    return CommandSpec(
        name=name,
        handler=fn,
        arity=arity,
        flags=_split(flags),
        first_key=keys[0],
        last_key=keys[1],
        key_step=keys[2],
        acl_categories=tuple(c.lstrip("@") for c in _split(acl)),
        summary=summary,
        since=since,
        group=group,
        complexity=complexity,
        arguments=arguments or [],
        key_specs=key_specs or [],
        tips=_split(tips),
        doc_flags=_split(doc_flags),
        history=history or [],
        deprecated_since=deprecated_since,
        replaced_by=replaced_by,
    )


SPEC_ATTR = "__plugredis_spec__"


def command(name: str, **kw: Any) -> Callable[[Handler], Handler]:
    """Attach a :class:`CommandSpec` to a handler; register it with ``register(handler)``.

    Keyword arguments: ``arity`` (required), ``flags``, ``keys=(first, last, step)``, ``acl``,
    ``summary``, ``since``, ``group``, ``complexity``, ``arguments``, ``key_specs``, ``tips``,
    ``doc_flags``, ``history``, ``deprecated_since``, ``replaced_by``.  A command with
    subcommands passes ``handler=None`` semantics by decorating a function that is never called
    and adding subcommands with ``fn.spec.subcommand(...)``.
    """

    def deco(fn: Handler) -> Handler:
        spec = _make_spec(name, fn, **kw)
        setattr(fn, SPEC_ATTR, spec)
        fn.spec = spec  # type: ignore[attr-defined]
        return fn

    return deco


def c_twin(fn: Handler, kind: str, value_type: type | None = None) -> None:
    """Give the command of handler ``fn`` (decorated with :func:`command`) the C twin ``kind``
    of ``plugredis._speedups.twin`` as its :attr:`CommandSpec.fast_handler`, where the C
    helpers were built.  The twin does the common case of ``fn`` in C and calls ``fn`` for
    the rest; tests compare the two (tests/test_twins.py).

    Kinds: ``get``, ``set`` (SET key value), ``mset``, ``incr``, ``decr``; with the value type
    of the family, ``lpush``, ``rpush``, ``lpop``, ``rpop`` (a deque subclass) and ``hset`` (a
    dict subclass with the slots ``ht`` and ``version``)."""
    if _c_twin is not None:
        spec: CommandSpec = getattr(fn, SPEC_ATTR)
        spec.fast_handler = _c_twin(kind, fn, value_type)


def container(name: str, **kw: Any) -> CommandSpec:
    """A command that only has subcommands (CONFIG, CLIENT, COMMAND, OBJECT ...)."""
    kw.setdefault("arity", -2)
    return _make_spec(name, None, **kw)
