#!/usr/bin/env python3
"""Lexicon engine for the labeller bridge (CPU, deterministic; what CI runs end to end).

python3 lexicon_bridge.py

A coarse CPU engine, not a stand-in for CoPE-A's judgement: a policy may carry a section headed
LEXICON (underlined with "=", like CoPE-A's sections) with one term, phrase or /regular expression/
per line; the content is labelled 1 when any of them matches, on word boundaries and ignoring case,
and the matched spans are its evidence. A policy without a LEXICON section cannot be evaluated by this
engine: that request fails (not retryable) and says so.
"""
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bridge_protocol import BridgeError, log, serve_labels  # noqa: E402

VERSION = "1"
MAX_EVIDENCE = 20
_UNDERLINE = re.compile(r"^=+\s*$")


def sections(policy):
    """The policy's sections as {HEADER: [lines]}: a header is a line underlined by a line of '='."""
    lines = policy.splitlines()
    found = {}
    current = None
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i].strip() and _UNDERLINE.match(lines[i + 1].strip()):
            current = lines[i].strip().upper()
            found[current] = []
            i += 2
            continue
        if current is not None:
            found[current].append(lines[i])
        i += 1
    return found


def compile_lexicon(policy):
    """The LEXICON section's entries as (entry, compiled pattern); a bad /regex/ is a clear error."""
    entries = sections(policy).get("LEXICON")
    if entries is None:
        raise BridgeError("the policy has no LEXICON section (a header LEXICON underlined with '='): "
                          "the lexicon engine cannot evaluate it", retryable=False)
    patterns = []
    for raw in entries:
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
            try:
                pattern = re.compile(r"\b(?:" + entry[1:-1] + r")\b", re.IGNORECASE)
            except re.error as e:
                raise BridgeError("LEXICON entry %s is not a valid regular expression: %s" % (entry, e), retryable=False)
        else:
            words = [re.escape(w) for w in entry.split()]
            pattern = re.compile(r"\b" + r"\s+".join(words) + r"\b", re.IGNORECASE)
        patterns.append((entry, pattern))
    return patterns


class LexiconEngine:
    def __init__(self):
        self.compiled = {}

    def ready_info(self):
        return {"engine": "lexicon", "engine_version": VERSION, "model": "lexicon-v" + VERSION, "device": "cpu"}

    def _patterns(self, policy):
        key = hashlib.sha256(policy.encode("utf-8")).hexdigest()
        if key not in self.compiled:
            self.compiled[key] = compile_lexicon(policy)
        return self.compiled[key]

    def label(self, policy, content):
        evidence = []
        for entry, pattern in self._patterns(policy):
            for m in pattern.finditer(content):
                evidence.append({"start": m.start(), "end": m.end(), "text": m.group(0), "term": entry})
        evidence.sort(key=lambda e: (e["start"], e["end"]))
        label = 1 if evidence else 0
        return {"label": label, "score": float(label), "chunks": 1, "evidence": evidence[:MAX_EVIDENCE]}


def main():
    log("lexicon_bridge: ready (a word-list engine, not a model)")
    serve_labels(LexiconEngine())


if __name__ == "__main__":
    main()
