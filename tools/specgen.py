"""Print ``@command(...)`` decorators for commands, read from a live Redis 7.0 server.

Development aid: plugredis declares its own specs, and tests compare ``COMMAND INFO``/``DOCS``
with a real server; this script writes the first draft of a spec so it starts out right.

    python tools/specgen.py --port 6379 get set config

Prints Python source on stdout.  Review it; the handler is yours to write.
"""

from __future__ import annotations

import argparse
from typing import Any

import redis

from plugredis.commands import implied_acl_categories


def s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def fmt_arg(a: dict[bytes, Any], indent: str) -> str:
    parts = [repr(s(a[b"name"])), repr(s(a[b"type"]))]
    if b"token" in a:
        parts.append(f"token={s(a[b'token'])!r}")
    flags = [s(f) for f in a.get(b"flags", [])]
    for f in ("optional", "multiple", "multiple_token"):
        if f in flags:
            parts.append(f"{f}=True")
    if b"key_spec_index" in a:
        parts.append(f"key_spec_index={a[b'key_spec_index']}")
    for k in ("since", "summary", "deprecated_since"):
        if k.encode() in a:
            parts.append(f"{k}={s(a[k.encode()])!r}")
    if b"arguments" in a:
        inner = ",\n".join(indent + "    " + fmt_arg(x, indent + "    ") for x in a[b"arguments"])
        parts.append(f"arguments=[\n{inner},\n{indent}]")
    return "arg(" + ", ".join(parts) + ")"


def fmt_keyspec(ks: dict[bytes, Any]) -> str:
    bs = ks[b"begin_search"]
    if s(bs[b"type"]) == "index":
        b = ("index", bs[b"spec"][b"index"])
    elif s(bs[b"type"]) == "keyword":
        b = ("keyword", s(bs[b"spec"][b"keyword"]), bs[b"spec"][b"startfrom"])
    else:
        b = ("unknown",)
    fk = ks[b"find_keys"]
    if s(fk[b"type"]) == "range":
        sp = fk[b"spec"]
        f = ("range", sp[b"lastkey"], sp[b"keystep"], sp[b"limit"])
    elif s(fk[b"type"]) == "keynum":
        sp = fk[b"spec"]
        f = ("keynum", sp[b"keynumidx"], sp[b"firstkey"], sp[b"keystep"])
    else:
        f = ("unknown",)
    flags = tuple(s(x) for x in ks[b"flags"])
    notes = f", notes={s(ks[b'notes'])!r}" if b"notes" in ks else ""
    return f"KeySpec({b!r}, {f!r}, {flags!r}{notes})"


def gen(info: list[Any], docs: dict[bytes, Any], decorator: str) -> str:
    name, arity, flags, first, last, step, cats, tips, keyspecs, _subs = info
    flags = [s(f) for f in flags]
    cats = [s(c).lstrip("@") for c in cats]
    implied = set(implied_acl_categories(flags, []))
    declared = [c for c in cats if c not in implied]
    lines = [f"@{decorator}(", f"    {s(name).upper().split('|')[-1]!r},", f"    arity={arity},"]
    if flags:
        lines.append(f"    flags={' '.join(flags)!r},")
    if first or last or step:
        lines.append(f"    keys=({first}, {last}, {step}),")
    if declared:
        lines.append(f"    acl={' '.join(declared)!r},")
    for k in ("summary", "since", "group", "complexity"):
        if k.encode() in docs:
            lines.append(f"    {k}={s(docs[k.encode()])!r},")
    if b"doc_flags" in docs:
        lines.append(f"    doc_flags={' '.join(s(x) for x in docs[b'doc_flags'])!r},")
    for k in ("deprecated_since", "replaced_by"):
        if k.encode() in docs:
            lines.append(f"    {k}={s(docs[k.encode()])!r},")
    if tips:
        lines.append(f"    tips={[s(t) for t in tips]!r},")
    if b"history" in docs:
        hist = [(s(a), s(b)) for a, b in docs[b"history"]]
        lines.append(f"    history={hist!r},")
    if keyspecs:
        lines.append("    key_specs=[")
        for ks in keyspecs:
            lines.append(f"        {fmt_keyspec(ks)},")
        lines.append("    ],")
    if b"arguments" in docs:
        lines.append("    arguments=[")
        for a in docs[b"arguments"]:
            lines.append(f"        {fmt_arg(a, '        ')},")
        lines.append("    ],")
    lines.append(")")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("names", nargs="+")
    ns = ap.parse_args()
    r = redis.Redis(port=ns.port, protocol=3)
    r.response_callbacks.clear()
    for name in ns.names:
        info = r.execute_command("COMMAND", "INFO", name)[0]
        docs = r.execute_command("COMMAND", "DOCS", name)[s(info[0]).encode()]
        if info[9]:
            print(f"# container {s(info[0])}")
            print(f"{s(info[0]).upper()} = container(")
            print(f"    {s(info[0])!r}, arity={info[1]},")
            for k in ("summary", "since", "group", "complexity"):
                if k.encode() in docs:
                    print(f"    {k}={s(docs[k.encode()])!r},")
            print(")\n")
            for sub in info[9]:
                sname = s(sub[0])
                print(
                    gen(
                        sub,
                        docs[b"subcommands"][sname.encode()],
                        f"{s(info[0]).upper()}.subcommand",
                    )
                )
                print(f"def {sname.replace('|', '_').replace('-', '_')}(ctx, *args): ...\n")
        else:
            print(gen(info, docs, "command"))
            print(f"def {s(info[0]).replace('-', '_')}(ctx, *args): ...\n")


if __name__ == "__main__":
    main()
