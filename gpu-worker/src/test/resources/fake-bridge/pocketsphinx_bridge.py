#!/usr/bin/env python3
"""A misbehaving bridge for fault-injection tests, speaking the real protocol module.

The file 'mode' beside this script says how: 'hang' (the first request never gets an answer),
'garbage' (a non-protocol line instead of the first answer), 'crash' (exits during the first request),
'overtaken' (the first request writes its audio path to 'waiting', waits for a file 'go' beside this
script, then finds its audio gone, as when another delivery of the same job finished first and removed it), or nothing. Each misbehaviour happens once: the file 'done' beside it records it, so the restarted
bridge behaves and answers.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bridge_protocol import TranscriptionError, serve  # noqa: E402

MODE = open(os.path.join(HERE, "mode")).read().strip() if os.path.exists(os.path.join(HERE, "mode")) else ""
STATE = os.path.join(HERE, "done")


class Engine:
    def ready_info(self):
        return {"engine": "fake", "engine_version": "1", "model": "fake", "device": "cpu"}

    def transcribe(self, path, language):
        if MODE and not os.path.exists(STATE):
            open(STATE, "w").close()
            if MODE == "hang":
                time.sleep(3600)
            if MODE == "garbage":
                print("Traceback (most recent call last): something went wrong", flush=True)
                time.sleep(3600)
            if MODE == "crash":
                os._exit(9)
            if MODE == "overtaken":
                with open(os.path.join(HERE, "waiting.part"), "w") as waiting:
                    waiting.write(path)
                os.rename(os.path.join(HERE, "waiting.part"), os.path.join(HERE, "waiting"))
                while not os.path.exists(os.path.join(HERE, "go")):
                    time.sleep(0.05)
                if not os.path.exists(path):
                    raise TranscriptionError("cannot decode %s: No such file or directory" % path, False)
        return {"language": "en", "duration": 1.0,
                "segments": [{"start": 0.0, "end": 1.0, "text": "hello", "speaker": None,
                              "words": [{"word": "hello", "start": 0.1, "end": 0.9, "score": 0.9}]}]}


serve(Engine())
