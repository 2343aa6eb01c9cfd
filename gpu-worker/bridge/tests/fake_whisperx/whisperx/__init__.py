"""A stand-in for the whisperx module with the same call signatures, for the bridge's protocol tests.

Behaviour is steered by the audio path: a name containing 'oom' raises a CUDA-style out-of-memory
error, 'undecodable' fails to load. Calls are appended to the file named by FAKE_WHISPERX_CALLS.
"""
import json
import os

__version__ = "3.3.1-fake"


def _record(call_name, **kwargs):
    path = os.environ.get("FAKE_WHISPERX_CALLS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"call": call_name, **{k: v for k, v in kwargs.items() if isinstance(v, (str, int, float, bool, type(None)))}}) + "\n")


class OutOfMemoryError(RuntimeError):
    pass


class _Model:
    def transcribe(self, audio, batch_size=16, language=None):
        _record("transcribe", batch_size=batch_size, language=language)
        if audio["path"].find("oom") >= 0:
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return {"language": language or "en",
                "segments": [{"start": 0.0, "end": 1.5, "text": " four five six"}, {"start": 1.6, "end": 2.4, "text": " seven"}]}


def load_model(name, device, compute_type=None, download_root=None, local_files_only=None):
    _record("load_model", name=name, device=device, compute_type=compute_type, download_root=download_root,
            local_files_only=local_files_only)
    if name == "missing-model":
        raise FileNotFoundError("model %s not found under %s" % (name, download_root))
    return _Model()


def load_audio(path):
    _record("load_audio", path=path)
    if "undecodable" in path:
        raise RuntimeError("Failed to load audio: ffmpeg error")
    return _Audio(path)


class _Audio:
    def __init__(self, path):
        self.path = path

    def __len__(self):
        return 16000 * 3

    def find(self, s):
        return self.path.find(s)

    def __getitem__(self, key):
        return self.path if key == "path" else None


def load_align_model(language_code, device, model_dir=None):
    _record("load_align_model", language_code=language_code, device=device, model_dir=model_dir)
    return object(), {"language": language_code}


def align(segments, model, metadata, audio, device, return_char_alignments=False):
    _record("align", device=device)
    out = []
    for s in segments:
        words = s["text"].split()
        step = (s["end"] - s["start"]) / max(1, len(words))
        out.append({"start": s["start"], "end": s["end"], "text": s["text"],
                    "words": [{"word": w, "start": s["start"] + i * step, "end": s["start"] + (i + 1) * step, "score": 0.9}
                              for i, w in enumerate(words)]})
    return {"segments": out}


class DiarizationPipeline:
    def __init__(self, use_auth_token=None, device="cpu"):
        _record("diarization_pipeline", use_auth_token=use_auth_token, device=device)

    def __call__(self, audio, min_speakers=None, max_speakers=None):
        _record("diarize", min_speakers=min_speakers, max_speakers=max_speakers)
        return "diarization"


def assign_word_speakers(diarization, result):
    for s in result["segments"]:
        s["speaker"] = "SPEAKER_00"
        for w in s.get("words", []):
            w["speaker"] = "SPEAKER_00"
    return result
