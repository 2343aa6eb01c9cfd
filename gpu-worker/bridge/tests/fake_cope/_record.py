"""Shared by the stand-ins: every call the bridge makes is appended to $FAKE_COPE_CALLS as a JSON line."""
import json
import os


def record(call, **fields):
    path = os.environ.get("FAKE_COPE_CALLS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(dict(call=call, **fields), default=str) + "\n")
