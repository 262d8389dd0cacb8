#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""fail2ban-score.py — scores mamori against fail2ban's annotated test logs.

fail2ban ships, for each filter, a log whose lines are preceded by
`# failJSON: {...}` annotations: "match": true with a "host" (the line must
give that attacker) or "match": false (the line must not count). Blocks
start with `# filterOptions: [...]` naming the filter modes the block is
tested under, `# fileOptions:` sets options for the whole file, a
"constraint" limits one line to some modes, and `# addFILE:` includes
another file. This script replays exactly what fail2ban's own test
(tests/samplestestcase.py) feeds one filter mode — normal by default — to
`mamori logtest`, in the same order (mamori keeps per-connection memory,
so order matters), and scores each annotated line:

  match true, with host: an event whose source (ip or domain) is the host
                         and whose event.outcome is failure
  match false:           no event with event.outcome failure and a source

Usage: fail2ban-score.py [--mode normal] [--json] MAMORI LOGDIR FILTER...
Prints one line per filter: "FILTER hits/must failures: ok/must-not".
"""
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

ANNOT = re.compile(r"^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$")


def mode_of(opts):
    return opts.get("mode", "normal")


def selected(name, opts_list, common, mode):
    """The option dict of a filterOptions block that runs in `mode`."""
    for o in opts_list if isinstance(opts_list, list) else [opts_list]:
        merged = dict(common)
        merged.update(o)
        cond = merged.get("test.condition")
        if cond and not eval(cond, {}, {"name": name}):
            continue
        if mode_of(merged) == mode:
            return merged
    return None


def collect(logdir, name, mode):
    """Lines fail2ban's test feeds filter `name` in `mode`, with their
    annotation (None when unannotated)."""
    out = []
    files = [name]
    i = 0
    while i < len(files):
        fn = files[i]
        i += 1
        with open(os.path.join(logdir, fn), encoding="utf-8",
                  errors="surrogateescape") as f:
            lines = f.read().split("\n")
        common = {}
        active = {}  # options of the current block; {} = default (normal)
        block_set = False
        j = 0
        while j < len(lines):
            line = lines[j]
            j += 1
            m = ANNOT.match(line)
            data = None
            if m:
                data = json.loads(m.group(2))
                kind = m.group(1)
                if kind == "fileOptions":
                    common = data
                    cond = common.get("test.condition")
                    if not block_set:
                        active = common if mode_of(common) == mode else None
                    continue
                if kind == "filterOptions":
                    block_set = True
                    active = selected(name, data, common, mode)
                    continue
                if kind == "addFILE":
                    files.append(data)
                    continue
                if j >= len(lines):
                    break
                line = lines[j]
                j += 1
            elif line.startswith("#") or not line.strip():
                continue
            if active is None:
                continue
            if not block_set and common.get("test.condition"):
                if not eval(common["test.condition"], {}, {"name": name}):
                    continue
            data = data or {}
            cons = data.get("constraint")
            if cons and not eval(cons, {}, {"name": name, "opts": active}):
                continue
            out.append((fn, line.rstrip("\r"), data))
    return out


def norm_host(h):
    try:
        a = ipaddress.ip_address(h)
        if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped:
            a = a.ipv4_mapped
        return str(a)
    except ValueError:
        parts = h.split(".")
        if len(parts) == 4 and all(p.isdigit() for p in parts):
            return ".".join(str(int(p)) for p in parts)
        return h.lower()


def run_mamori(mamori, lines):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False,
                                     encoding="utf-8",
                                     errors="surrogateescape") as t:
        for _, line, _ in lines:
            t.write(line + "\n")
        path = t.name
    try:
        r = subprocess.run([mamori, "logtest", path], capture_output=True,
                           text=True, errors="replace")
    finally:
        os.unlink(path)
    events = {}
    for l in r.stdout.splitlines():
        try:
            d = json.loads(l)
        except ValueError:
            continue
        events[d["line"]] = d
    return events


def score(mamori, logdir, name, mode, verbose):
    lines = collect(logdir, name, mode)
    events = run_mamori(mamori, lines)
    must = hit = seen = mustnot = clean = 0
    misses = []
    by_file = {}
    for n, (fn, line, data) in enumerate(lines, 1):
        if "match" not in data:
            continue
        ev = events.get(n, {})
        src = ev.get("source", {})
        got = src.get("ip") or src.get("domain")
        failure = ev.get("event", {}).get("outcome") == "failure"
        if data["match"]:
            if not data.get("host"):
                continue
            must += 1
            bf = by_file.setdefault(fn, [0, 0])
            bf[1] += 1
            if failure and got and norm_host(got) == norm_host(data["host"]):
                bf[0] += 1
            if got and norm_host(got) == norm_host(data["host"]):
                seen += 1
            if failure and got and norm_host(got) == norm_host(data["host"]):
                hit += 1
            else:
                misses.append(("miss", fn, line, ev.get("event", {}), got))
        else:
            mustnot += 1
            if failure and got:
                misses.append(("false", fn, line, ev.get("event", {}), got))
            else:
                clean += 1
    if verbose:
        for kind, fn, line, e, got in misses:
            print(f"  {kind}: {fn}: {line}\n      -> {e.get('action')} "
                  f"{e.get('outcome')} {got}")
    return {"filter": name, "mode": mode, "match": must, "hit": hit,
            "seen": seen, "by_file": by_file,
            "nomatch": mustnot, "clean": clean}


def main(argv):
    mode = "normal"
    as_json = verbose = False
    args = []
    i = 1
    while i < len(argv):
        if argv[i] == "--mode":
            mode = argv[i + 1]
            i += 2
            continue
        if argv[i] == "--json":
            as_json = True
        elif argv[i] in ("-v", "--verbose"):
            verbose = True
        else:
            args.append(argv[i])
        i += 1
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    mamori, logdir, names = args[0], args[1], args[2:]
    for name in names:
        s = score(mamori, logdir, name, mode, verbose)
        if as_json:
            print(json.dumps(s))
        else:
            files = ""
            if len(s["by_file"]) > 1:
                files = " [" + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in
                                         s["by_file"].items()) + "]"
            print(f"{name} ({mode}): {s['hit']}/{s['match']} matches as "
                  f"failure ({s['seen']} with the source), "
                  f"{s['clean']}/{s['nomatch']} non-matches clean{files}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
