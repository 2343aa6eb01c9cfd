#!/usr/bin/env python3
"""CPU engine for the transcription bridge: CMU PocketSphinx in this process (Debian's python3-pocketsphinx).

Same protocol as whisperx_bridge.py, and like it the model is loaded once, at start. Each file is decoded
by one restricted ffmpeg to raw 16 kHz mono PCM on a pipe and recognised in pieces of at most 30 seconds,
each cut at its quietest moment and decoded whole with its own sound normalisation: memory stays flat
whatever the recording's length, and a file's words do not depend on the files decoded before it. Words
are grouped into a segment per stretch of speech between pauses.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bridge_protocol import TranscriptionError, fail_startup, log, serve  # noqa: E402

MODEL_DIR = "/usr/share/pocketsphinx/model/en-us"
SAMPLE_RATE = 16000
FRAMES_PER_SECOND = 100
CHUNK_BYTES = 16384
MAX_PIECE_SECONDS = 30
MAX_PIECE_BYTES = MAX_PIECE_SECONDS * SAMPLE_RATE * 2
CUT_SEARCH_SECONDS = 5
CUT_WINDOW_SAMPLES = SAMPLE_RATE // 20
SEGMENT_GAP_SECONDS = 0.5
MAX_WORD_SECONDS = 2.0
SILENCE_RMS = 16  # of 32767: about -66 dBFS, digital silence and the faintest hiss
FILLERS = {"<s>", "</s>", "<sil>"}
# decoding options: the default passes minus the flat-lexicon one (fwdflat), which costs time and, on the LibriVox
# clips of pocketsphinx-testdata through the pipeline's Opus, recognised no better; silence is kept, so that
# frames are the recording's own time (quiet pieces are not decoded at all, see is_silent)
DECODER_OPTIONS = {"-fwdflat": False, "-remove_silence": False}


def engine_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "python3-pocketsphinx"], capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def load_decoder(model_dir):
    """The decoder with the en-us acoustic model, language model and dictionary of ``model_dir``: loaded once."""
    from pocketsphinx import Decoder
    config = Decoder.default_config()
    config.set_string("-hmm", os.path.join(model_dir, "en-us"))
    config.set_string("-lm", os.path.join(model_dir, "en-us.lm.bin"))
    config.set_string("-dict", os.path.join(model_dir, "cmudict-en-us.dict"))
    config.set_string("-logfn", os.devnull)
    for name, value in DECODER_OPTIONS.items():
        config.set_boolean(name, value)
    return Decoder(config)


def word_of(token):
    """The word of a recognised token: None for silence and noise fillers; 'read(2)' (an alternate pronunciation) is 'read'."""
    if token in FILLERS or token.startswith("[") or token.startswith("++"):
        return None
    if token.endswith(")") and "(" in token:
        return token[:token.index("(")]
    return token


def segment_of(words):
    """One utterance's words as a protocol segment, or None when it holds no word."""
    if not words:
        return None
    return {"start": words[0]["start"], "end": words[-1]["end"], "text": " ".join(w["word"] for w in words),
            "speaker": None, "words": words}


class PocketSphinxEngine:
    def __init__(self, decoder, ffmpeg="ffmpeg"):
        self.decoder = decoder
        self.ffmpeg = ffmpeg
        self.version = engine_version()
        self.logmath = decoder.get_logmath()

    def ready_info(self):
        return {"engine": "pocketsphinx", "engine_version": self.version, "model": "en-us", "device": "cpu"}

    def transcribe(self, path, language):
        if not os.path.isfile(path):
            raise TranscriptionError("audio file %s does not exist" % path, retryable=False)
        with tempfile.TemporaryFile() as errors:
            # the unpack worker's own Ogg Opus, from a local file only: nothing else is decoded
            decode = subprocess.Popen([self.ffmpeg, "-nostdin", "-loglevel", "error", "-protocol_whitelist", "file",
                                       "-format_whitelist", "ogg,wav,flac,mp3", "-i", path, "-vn", "-ac", "1",
                                       "-ar", str(SAMPLE_RATE), "-acodec", "pcm_s16le", "-f", "s16le", "-"],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
            try:
                samples, segments = self.recognise(decode.stdout)
            finally:
                decode.stdout.close()
                code = decode.wait()
            if code != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip()[-300:]
                raise TranscriptionError("cannot decode %s: %s" % (path, message or "ffmpeg exited with %d" % code), retryable=False)
        # audio that decodes but holds no recognisable speech (silence, noise, music) is an answer, not a
        # failure: an empty transcript, which the worker records as no_speech
        return {"language": language or "en", "duration": round(samples / float(SAMPLE_RATE), 3), "segments": segments}

    def recognise(self, pcm):
        """Decodes ``pcm`` in pieces of at most MAX_PIECE_SECONDS, each cut at its quietest moment near its end and
        decoded whole (its own sound normalisation, so a file's words do not depend on the files before it);
        returns the samples read and one segment per piece with words."""
        decoder = self.decoder
        decoder.start_stream()
        samples = 0
        segments = []
        buffer = bytearray()  # at most one piece and one chunk: appended in place, not copied at each read
        offset = 0
        while True:
            chunk = pcm.read(CHUNK_BYTES)
            if chunk:
                buffer += chunk
            if len(buffer) >= MAX_PIECE_BYTES or (not chunk and buffer):
                cut = len(buffer) if not chunk else quietest_cut(buffer)
                cut -= cut % 2
                piece = bytes(buffer[:cut])
                del buffer[:cut]
                if not is_silent(piece):
                    decoder.start_utt()
                    try:
                        decoder.process_raw(piece, False, True)
                    finally:
                        decoder.end_utt()
                    self.collect(segments, offset)
                offset += len(piece) // 2
                samples += len(piece) // 2
            if not chunk:
                break
        return samples, segments

    def collect(self, segments, offset_samples):
        """Adds the last piece's words, a segment for each run of words without a pause of SEGMENT_GAP_SECONDS."""
        base = offset_samples / float(SAMPLE_RATE)
        words = []
        for seg in decoder_segments(self.decoder):
            word = word_of(seg.word)
            if word is None:
                continue
            start = round(base + seg.start_frame / float(FRAMES_PER_SECOND), 3)
            end = round(base + (seg.end_frame + 1) / float(FRAMES_PER_SECOND), 3)
            if end - start > MAX_WORD_SECONDS:
                continue  # no word lasts that long: the decoder matched a word to a stretch of silence or steady noise
            if words and start - words[-1]["end"] >= SEGMENT_GAP_SECONDS:
                segments.append(segment_of(words))
                words = []
            words.append({"word": word, "start": start, "end": end,
                          "score": round(min(1.0, self.logmath.exp(seg.prob)), 6)})
        if words:
            segments.append(segment_of(words))


def samples_of(pcm):
    import array
    samples = array.array("h")
    samples.frombytes(pcm[:len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def is_silent(pcm):
    """Whether a piece is too quiet to hold speech (its RMS below SILENCE_RMS): not decoded at all."""
    samples = samples_of(pcm)
    if not samples:
        return True
    return (sum(x * x for x in samples) / len(samples)) ** 0.5 < SILENCE_RMS


def quietest_cut(pcm):
    """A byte offset in the last CUT_SEARCH_SECONDS of ``pcm`` where the sound is quietest (50 ms windows)."""
    samples = samples_of(pcm)
    start = max(0, len(samples) - CUT_SEARCH_SECONDS * SAMPLE_RATE)
    best, best_energy = len(samples), None
    for w in range(start, len(samples) - CUT_WINDOW_SAMPLES + 1, CUT_WINDOW_SAMPLES):
        energy = sum(abs(x) for x in samples[w:w + CUT_WINDOW_SAMPLES])
        if best_energy is None or energy < best_energy:
            best, best_energy = w + CUT_WINDOW_SAMPLES // 2, energy
    return best * 2


def decoder_segments(decoder):
    """The last utterance's segments (none when nothing was recognised)."""
    if decoder.hyp() is None:
        return []
    return list(decoder.seg())


def main():
    if shutil.which("ffmpeg") is None:
        fail_startup("pocketsphinx_bridge: ffmpeg is not installed (apt-get install ffmpeg)", 3)
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        fail_startup("pocketsphinx_bridge: the pocketsphinx module is not installed (apt-get install python3-pocketsphinx)", 3)
    model_dir = os.environ.get("POCKETSPHINX_MODEL_DIR", MODEL_DIR)
    if not os.path.isfile(os.path.join(model_dir, "en-us.lm.bin")):
        fail_startup("pocketsphinx_bridge: the en-us model is missing in %s (apt-get install pocketsphinx-en-us)" % model_dir, 4)
    started = time.monotonic()
    engine = PocketSphinxEngine(load_decoder(model_dir))
    log("pocketsphinx_bridge: ready (pocketsphinx %s, model loaded in %.2fs)" % (engine.version, time.monotonic() - started))
    serve(engine)


if __name__ == "__main__":
    main()
