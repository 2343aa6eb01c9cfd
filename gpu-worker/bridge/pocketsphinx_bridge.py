#!/usr/bin/env python3
"""CPU engine for the transcription bridge: CMU PocketSphinx from Debian's packages (CI and laptops).

Same protocol as whisperx_bridge.py. Each file is decoded to 16 kHz mono 16-bit WAV with ffmpeg
(pocketsphinx_continuous prints nothing for an Ogg file), then recognised with word times.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bridge_protocol import TranscriptionError, fail_startup, log, serve  # noqa: E402

FILLERS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "++NOISE++", "++BREATH++"}
TIMEOUT_SECONDS = 600


def engine_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "pocketsphinx"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def parse_output(text):
    """pocketsphinx_continuous -time yes: per utterance a hypothesis line, then 'word start end posterior' lines."""
    segments = []
    words = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and _floats(parts[1:]):
            word = parts[0]
            if word == "<s>":
                words = []
                continue
            if word == "</s>":
                if words:
                    segments.append(_segment(words))
                words = []
                continue
            if word in FILLERS or word.startswith("["):
                continue
            if word.endswith(")") and "(" in word:
                word = word[:word.index("(")]
            words.append({"word": word, "start": float(parts[1]), "end": float(parts[2]), "score": float(parts[3])})
    if words:
        segments.append(_segment(words))
    return segments


def _floats(values):
    try:
        for v in values:
            float(v)
        return True
    except ValueError:
        return False


def _segment(words):
    return {"start": words[0]["start"], "end": words[-1]["end"], "text": " ".join(w["word"] for w in words),
            "speaker": None, "words": words}


def sample_count(wav_path):
    """16-bit mono samples in a WAV that ffmpeg wrote (a 44-byte header)."""
    return max(0, os.path.getsize(wav_path) - 44) // 2


class PocketSphinxEngine:
    def __init__(self, ffmpeg="ffmpeg", decoder="pocketsphinx_continuous"):
        self.ffmpeg = ffmpeg
        self.decoder = decoder
        self.version = engine_version()

    def ready_info(self):
        return {"engine": "pocketsphinx", "engine_version": self.version, "model": "en-us", "device": "cpu"}

    def transcribe(self, path, language):
        if not os.path.isfile(path):
            raise TranscriptionError("audio file %s does not exist" % path, retryable=False)
        with tempfile.TemporaryDirectory(prefix="psbridge") as tmp:
            wav = os.path.join(tmp, "audio.wav")
            # the unpack worker's own Ogg Opus, from a local file only: nothing else is decoded
            decode = subprocess.run([self.ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-protocol_whitelist", "file",
                                     "-format_whitelist", "ogg,wav,flac,mp3", "-i", path, "-ac", "1", "-ar", "16000",
                                     "-acodec", "pcm_s16le", "-f", "wav", wav], capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
            if decode.returncode != 0 or not os.path.isfile(wav):
                raise TranscriptionError("cannot decode %s: %s" % (path, decode.stderr.strip()[-300:]), retryable=False)
            samples = sample_count(wav)
            duration = round(samples / 16000.0, 3)
            run = subprocess.run([self.decoder, "-infile", wav, "-time", "yes", "-logfn", "/dev/null"],
                                 capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
            if run.returncode != 0:
                raise TranscriptionError("pocketsphinx exited with %d: %s" % (run.returncode, run.stderr.strip()[-300:]), retryable=True)
        # audio that decodes but holds no recognisable speech (silence, noise, music) is an answer, not a
        # failure: an empty transcript, which the worker records as no_speech
        segments = parse_output(run.stdout)
        return {"language": language or "en", "duration": duration, "segments": segments}


def main():
    for tool in ("ffmpeg", "pocketsphinx_continuous"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            fail_startup("pocketsphinx_bridge: %s is not installed (apt-get install ffmpeg pocketsphinx pocketsphinx-en-us)" % tool, 3)
    if not os.path.isdir("/usr/share/pocketsphinx/model/en-us"):
        fail_startup("pocketsphinx_bridge: the en-us model is missing (apt-get install pocketsphinx-en-us)", 4)
    engine = PocketSphinxEngine()
    log("pocketsphinx_bridge: ready (pocketsphinx %s)" % engine.version)
    serve(engine)


if __name__ == "__main__":
    main()
