#!/usr/bin/env python3
"""The real lexicon engine, slowed on its first request only: it writes started.marker beside itself and
sleeps, so a test can kill the bridge while a request is in flight. Every later request is answered at once."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "real"))
import lexicon_bridge  # noqa: E402
from bridge_protocol import serve_labels  # noqa: E402


class FirstRequestHangs(lexicon_bridge.LexiconEngine):
    def label(self, policy, content):
        marker = os.path.join(HERE, "started.marker")
        if not os.path.exists(marker):
            open(marker, "w").close()
            time.sleep(60)
        return super().label(policy, content)


serve_labels(FirstRequestHangs())
