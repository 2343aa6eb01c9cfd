"""A stand-in for the whisperx package (WhisperX 3.8, m-bain/whisperX) for the bridge's tests: the same
modules and the same call signatures, so a bridge that calls WhisperX with an argument it no longer
takes fails here as it would in production. The package exposes what the real one exposes, lazily.

Behaviour is steered by the decoded audio: exactly 2 s of audio raises a CUDA-style out-of-memory
error. Calls are appended to the file named by FAKE_WHISPERX_CALLS.
"""
import importlib

__version__ = "3.8.7-fake"


def _lazy_import(name):
    return importlib.import_module(f"whisperx.{name}")


def load_align_model(*args, **kwargs):
    return _lazy_import("alignment").load_align_model(*args, **kwargs)


def align(*args, **kwargs):
    return _lazy_import("alignment").align(*args, **kwargs)


def load_model(*args, **kwargs):
    return _lazy_import("asr").load_model(*args, **kwargs)


def load_audio(*args, **kwargs):
    return _lazy_import("audio").load_audio(*args, **kwargs)


def assign_word_speakers(*args, **kwargs):
    return _lazy_import("diarize").assign_word_speakers(*args, **kwargs)
