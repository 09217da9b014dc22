#!/usr/bin/env python3
"""An independent check of core/data/seal-vectors.json: RFC 8785 canonical JSON written from
the RFC (not from Fieldcase's code), then SHA-256, in Python's standard library. If this and
the Rust implementation agree on every vector, a third party can recompute a seal's hash.
(Python has no Ed25519 in its standard library; the signature vector is checked in Rust.)"""
import hashlib
import json
import math
import sys


def number(x):
    # ECMAScript Number.prototype.toString, for the doubles JSON carries.
    if isinstance(x, bool):
        raise TypeError("bool")
    if isinstance(x, int) and abs(x) <= 2**53:
        return str(x)
    x = float(x)
    if x == 0:
        return "0"
    if not math.isfinite(x):
        raise ValueError("not a JSON number")
    digits, exp = repr(abs(x)).lower().split("e") if "e" in repr(abs(x)).lower() else (repr(abs(x)), "0")
    int_part, _, frac = digits.partition(".")
    frac = frac.rstrip("0")
    all_digits = (int_part + frac).lstrip("0")
    lead = len(int_part + frac) - len((int_part + frac).lstrip("0"))
    n = len(int_part) - lead + int(exp)
    s = all_digits.rstrip("0") or "0"
    k = len(s)
    if k <= n <= 21:
        body = s + "0" * (n - k)
    elif 0 < n <= 21:
        body = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + s
    else:
        e = n - 1
        sign = "+" if e >= 0 else "-"
        body = (s if k == 1 else s[0] + "." + s[1:]) + "e" + sign + str(abs(e))
    return ("-" if x < 0 else "") + body


def string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canonical(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return number(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, list):
        return "[" + ",".join(canonical(x) for x in v) + "]"
    keys = sorted(v.keys(), key=lambda k: k.encode("utf-16-be"))
    return "{" + ",".join(string(k) + ":" + canonical(v[k]) for k in keys) + "}"


def main(path):
    vectors = json.load(open(path, encoding="utf-8"))
    n = 0
    for c in vectors["contents"]:
        can = canonical(c["content"])
        assert can == c["canonical"], f"canonical form differs:\n{can}\n{c['canonical']}"
        assert hashlib.sha256(can.encode()).hexdigest() == c["sha256"], "hash differs"
        n += 1
    sig = vectors["signature"]
    assert canonical(sig["statement"]) == sig["canonical"], "statement differs"
    m = check_signers(vectors)
    print(f"seal vectors: {n} contents and the statement agree with an independent RFC 8785 in Python;"
          f" {m} signer verdicts agree with the rules of docs/seals.md")


# Who may seal each kind (docs/seals.md, "Who may seal").
MAY_SEAL = {"inspection": {"inspector"}, "interview": {"inspector"}, "mediation": {"mediator"}}


def verdict(seal, kind, entry):
    """What a store (not the sealing device) says of a seal's signer, given the registry entry
    the hub vouched for (None when it holds none, or the hub did not sign it)."""
    if entry is None:
        return "unknown"
    if entry["public_key"] != seal["public_key"]:
        return "key_mismatch"
    if entry["role"] not in MAY_SEAL[kind]:
        return "not_allowed"
    # RFC 3339 instants in UTC with a Z: their text orders as their time.
    if entry["revoked_at"] is not None and seal["sealed_at"] >= entry["revoked_at"]:
        return "revoked"
    return "registered"


def check_signers(vectors):
    seal = vectors["signature"]["statement"]
    n = 0
    for c in vectors["signers"]["cases"]:
        entry = c["entry"]
        if entry is not None:
            assert canonical(entry) == c["entry_canonical"], f"{c['about']}: entry's canonical form differs"
            # Python's standard library has no Ed25519: whether the hub signed it is the
            # vector's word here (the Rust test checks the signature itself).
            entry = entry if c["vouched"] else None
        got = verdict(seal, seal["kind"], entry)
        assert got == c["verdict"], f"{c['about']}: {got}, the vectors say {c['verdict']}"
        n += 1
    return n


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "core/data/seal-vectors.json")
