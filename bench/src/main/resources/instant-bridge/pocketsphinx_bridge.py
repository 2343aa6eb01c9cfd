#!/usr/bin/env python3
"""The instant engine: the bridge protocol answered at once, to measure the orchestration alone.

For the bench only, never for production: it does not read the audio. Each request gets a one-word
transcript of one second, as fast as the protocol can carry it, so what the GPU worker spends per file
(queue, database, S3 upload, counters) is all that is left to measure, as on a GPU node where the engine
does not compete with the worker for the CPU.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bridge_protocol import serve  # noqa: E402


class InstantEngine:
    def ready_info(self):
        return {"engine": "instant", "engine_version": "bench", "model": "none", "device": "cpu"}

    def transcribe(self, path, language):
        return {"language": language or "en", "duration": 1.0,
                "segments": [{"start": 0.0, "end": 1.0, "text": "hello", "speaker": None,
                              "words": [{"word": "hello", "start": 0.1, "end": 0.9, "score": 0.9}]}]}


if __name__ == "__main__":
    serve(InstantEngine())
