"""whisperx.audio: load_audio, with WhisperX 3.8's signature (the bridge decodes by itself; kept for parity)."""
from whisperx._calls import SAMPLE_RATE, record


def load_audio(file: str, sr: int = SAMPLE_RATE):
    record("load_audio", file=file, sr=sr)
    raise RuntimeError("the bridge must decode audio itself, through its restricted ffmpeg")
