#!/usr/bin/env python3
"""WhisperX engine for the transcription bridge (production, GPU).

python3 whisperx_bridge.py --model large-v3 --device cuda --compute-type float16 --batch-size 16 [--align] [--diarize]

Written against WhisperX 3.8 (m-bain/whisperX): load_model(..., download_root, local_files_only),
FasterWhisperPipeline.transcribe(audio, batch_size, language=, task=), load_align_model(language_code,
device, model_dir=, model_cache_only=), align(...), diarize.DiarizationPipeline(model_name, token, device,
cache_dir) and assign_word_speakers(diarize_df, result).

Every model loads from MODELS_ROOT only (the Hugging Face hub is put offline before anything is imported);
each request decodes the audio with ffmpeg reading only a local file through audio demuxers, transcribes
it with task="transcribe" and the request's own language (None: detected for this file alone, so one
file's language never sticks to the next), optionally aligns words (one alignment model per language,
cached) and assigns speakers. A CUDA out-of-memory error frees what it can and is answered as retryable.
"""
import argparse
import gc
import os
import subprocess
import sys

# no download at run time, whatever a library would like to fetch
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bridge_protocol import TranscriptionError, fail_startup, log, serve  # noqa: E402

SAMPLE_RATE = 16000
# the unpack worker's Ogg Opus and the formats an operator may hand a bridge directly; nothing that reads other files
AUDIO_DEMUXERS = "ogg,wav,flac,mp3,mov,matroska"


def decode_audio(path, ffmpeg="ffmpeg"):
    """Mono float32 samples at 16 kHz, as whisperx.load_audio returns them, from ffmpeg restricted to the
    file protocol and audio demuxers (a playlist or concat list cannot make it read another file)."""
    command = [ffmpeg, "-nostdin", "-threads", "0", "-protocol_whitelist", "file", "-format_whitelist", AUDIO_DEMUXERS,
               "-i", path, "-f", "s16le", "-ac", "1", "-acodec", "pcm_s16le", "-ar", str(SAMPLE_RATE), "-"]
    run = subprocess.run(command, capture_output=True)
    if run.returncode != 0:
        raise RuntimeError("ffmpeg: %s" % run.stderr.decode("utf-8", "replace").strip()[-300:])
    import numpy as np
    return np.frombuffer(run.stdout, np.int16).flatten().astype(np.float32) / 32768.0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="large-v3")
    p.add_argument("--device", default="cuda")
    p.add_argument("--compute-type", default="float16")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--align", action="store_true")
    p.add_argument("--diarize", action="store_true")
    p.add_argument("--min-speakers", type=int, default=None)
    p.add_argument("--max-speakers", type=int, default=None)
    p.add_argument("--models-root", default=os.environ.get("MODELS_ROOT", "/data/models"))
    p.add_argument("--diarize-model", default="pyannote/speaker-diarization-community-1")
    return p.parse_args(argv)


def is_out_of_memory(error):
    return type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower()


def free_gpu_memory():
    gc.collect()
    try:
        import torch
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


class WhisperXEngine:
    def __init__(self, whisperx, args):
        self.whisperx = whisperx
        self.args = args
        self.align_models = {}
        self.model = whisperx.load_model(args.model, args.device, compute_type=args.compute_type,
                                         download_root=args.models_root, local_files_only=True)
        self.diarizer = None
        if args.diarize:
            token = os.environ.get("HF_TOKEN") or os.environ.get("DIARIZATION_TOKEN")
            from whisperx.diarize import DiarizationPipeline
            self.diarizer = DiarizationPipeline(model_name=args.diarize_model, token=token, device=args.device,
                                                cache_dir=os.path.join(args.models_root, "diarization"))

    def ready_info(self):
        return {"engine": "whisperx", "engine_version": getattr(self.whisperx, "__version__", "unknown"),
                "model": self.args.model, "device": self.args.device}

    def _align_model(self, language):
        if language not in self.align_models:
            self.align_models[language] = self.whisperx.load_align_model(
                language_code=language, device=self.args.device, model_dir=self.args.models_root, model_cache_only=True)
        return self.align_models[language]

    def transcribe(self, path, language):
        if not os.path.isfile(path):
            raise TranscriptionError("audio file %s does not exist" % path, retryable=False)
        try:
            audio = decode_audio(path)
        except Exception as e:
            raise TranscriptionError("cannot decode %s: %s" % (path, e), retryable=False)
        try:
            # task on every call, and this request's language only: nothing carries over from the previous file
            result = self.model.transcribe(audio, batch_size=self.args.batch_size, language=language, task="transcribe")
            detected = result.get("language") or language
            segments = result["segments"]
            if self.args.align and segments:
                align_model, metadata = self._align_model(detected)
                result = self.whisperx.align(segments, align_model, metadata, audio, self.args.device,
                                             return_char_alignments=False)
            if self.diarizer is not None:
                diarization = self.diarizer(audio, min_speakers=self.args.min_speakers, max_speakers=self.args.max_speakers)
                result = self.whisperx.assign_word_speakers(diarization, result)
            return {"language": detected, "duration": round(len(audio) / SAMPLE_RATE, 3),
                    "segments": [to_segment(s) for s in result["segments"]]}
        except TranscriptionError:
            raise
        except Exception as e:
            if is_out_of_memory(e):
                free_gpu_memory()
                raise TranscriptionError("GPU out of memory: %s" % e, retryable=True)
            raise


def to_segment(segment):
    words = []
    for w in segment.get("words") or []:
        words.append({"word": w.get("word", "").strip(), "start": w.get("start"), "end": w.get("end"),
                      "score": w.get("score")})
    return {"start": segment.get("start"), "end": segment.get("end"), "text": (segment.get("text") or "").strip(),
            "speaker": segment.get("speaker"), "words": words}


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        import whisperx
    except ImportError as e:
        fail_startup("whisperx_bridge: the whisperx module is not installed (%s); install it in the bridge's virtualenv" % e, 3)
    try:
        engine = WhisperXEngine(whisperx, args)
    except Exception as e:
        fail_startup("whisperx_bridge: cannot load model %s from %s: %s" % (args.model, args.models_root,
                                                                            str(e).splitlines()[0] if str(e) else type(e).__name__), 4)
    log("whisperx_bridge: model %s loaded on %s" % (args.model, args.device))
    serve(engine)


if __name__ == "__main__":
    main()
