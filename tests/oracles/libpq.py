#!/usr/bin/env python3
"""Real libpq as a test oracle: how a libpq major reads connection strings.

    python3 libpq.py LIBDIR < cases.json > answers.json

LIBDIR holds that major's libpq.so.5. Input: a JSON list of cases, each
{"input": STRING, "env": {VAR: VALUE}, "connect": BOOL}. Output: a JSON list,
one answer per case, in order:
    {"parsed": [[KEYWORD, VALUE], ...] | null,   # PQconninfoParse: set options
     "parse_error": STRING | null,
     "defaults": {KEYWORD: VALUE},               # PQconndefaults under "env"
     "options_error": STRING | null}             # with "connect": PQconnectdb
"options_error" is the error PQconnectdb gives before dialling (a bad value of
an option); a case with "connect" must only name hosts that fail at once (a
closed port on 127.0.0.1, a socket directory that does not exist). "keywords" (once, in
the first answer's "keywords") lists every option in libpq's own order with its
environment variable.
"""
import ctypes
import json
import os
import sys


class Option(ctypes.Structure):
    _fields_ = [
        ("keyword", ctypes.c_char_p),
        ("envvar", ctypes.c_char_p),
        ("compiled", ctypes.c_char_p),
        ("val", ctypes.c_char_p),
        ("label", ctypes.c_char_p),
        ("dispchar", ctypes.c_char_p),
        ("dispsize", ctypes.c_int),
    ]


def text(b):
    return None if b is None else b.decode("utf-8", "replace")


def options(lib, ptr):
    out = []
    i = 0
    while ptr[i].keyword is not None:
        out.append(ptr[i])
        i += 1
    return out


def main():
    lib = ctypes.CDLL(os.path.join(sys.argv[1], "libpq.so.5"))
    lib.PQconninfoParse.restype = ctypes.POINTER(Option)
    lib.PQconninfoParse.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.PQconndefaults.restype = ctypes.POINTER(Option)
    lib.PQconninfoFree.argtypes = [ctypes.POINTER(Option)]
    lib.PQfreemem.argtypes = [ctypes.c_void_p]
    lib.PQconnectdb.restype = ctypes.c_void_p
    lib.PQconnectdb.argtypes = [ctypes.c_char_p]
    lib.PQstatus.argtypes = [ctypes.c_void_p]
    lib.PQerrorMessage.restype = ctypes.c_char_p
    lib.PQerrorMessage.argtypes = [ctypes.c_void_p]
    lib.PQfinish.argtypes = [ctypes.c_void_p]
    lib.PQlibVersion.restype = ctypes.c_int

    cases = json.load(sys.stdin)
    base_env = dict(os.environ)
    answers = []
    for n, case in enumerate(cases):
        os.environ.clear()
        os.environ.update({k: v for k, v in base_env.items() if not k.startswith("PG")})
        os.environ.update(case.get("env") or {})
        answer = {"parsed": None, "parse_error": None, "defaults": {}, "options_error": None}
        err = ctypes.c_void_p()
        raw = case["input"].encode()
        opts = lib.PQconninfoParse(raw, ctypes.byref(err))
        if opts:
            answer["parsed"] = [[text(o.keyword), text(o.val)] for o in options(lib, opts) if o.val is not None]
            lib.PQconninfoFree(opts)
        else:
            answer["parse_error"] = text(ctypes.cast(err, ctypes.c_char_p).value) if err else "out of memory"
            if err:
                lib.PQfreemem(err)
        defaults = lib.PQconndefaults()
        answer["defaults"] = {text(o.keyword): text(o.val) for o in options(lib, defaults) if o.val is not None}
        if n == 0:
            answer["version"] = lib.PQlibVersion()
            answer["keywords"] = [[text(o.keyword), text(o.envvar), text(o.dispchar)] for o in options(lib, defaults)]
        lib.PQconninfoFree(defaults)
        if case.get("connect") and answer["parsed"] is not None:
            conn = lib.PQconnectdb(raw)
            message = text(lib.PQerrorMessage(conn)) if conn else "out of memory"
            # CONNECTION_BAD is 1. The cases dial a server that accepts and
            # closes, or a socket that does not exist: those failures are the
            # dial's; any other is libpq refusing an option's value.
            dial = ("server closed the connection", "Connection refused",
                    "No such file or directory", "Connection reset", "could not receive data",
                    "SSL SYSCALL error")
            if conn and lib.PQstatus(conn) == 1 and not any(d in message for d in dial):
                answer["options_error"] = message.strip()
            if conn:
                lib.PQfinish(conn)
        answers.append(answer)
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
