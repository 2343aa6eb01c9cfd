"""Records the stand-in's calls for the tests (not part of whisperx)."""
import json
import os

SAMPLE_RATE = 16000


def record(call_name, **kwargs):
    path = os.environ.get("FAKE_WHISPERX_CALLS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"call": call_name, **{k: v for k, v in kwargs.items()
                                                      if isinstance(v, (str, int, float, bool, type(None)))}}) + "\n")
