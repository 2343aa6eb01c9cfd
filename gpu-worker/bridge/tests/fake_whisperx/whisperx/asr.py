"""whisperx.asr: load_model and the pipeline's transcribe, with WhisperX 3.8's signatures."""
from typing import Optional, Union

from whisperx._calls import SAMPLE_RATE, record


class OutOfMemoryError(RuntimeError):
    pass


class FasterWhisperPipeline:
    def transcribe(
        self,
        audio,
        batch_size: Optional[int] = None,
        num_workers=0,
        language: Optional[str] = None,
        task: Optional[str] = None,
        chunk_size=30,
        print_progress=False,
        combined_progress=False,
        verbose=False,
        progress_callback=None,
    ):
        record("transcribe", batch_size=batch_size, language=language, task=task, samples=len(audio))
        if len(audio) == 2 * SAMPLE_RATE:
            raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return {"language": language or "en",
                "segments": [{"start": 0.0, "end": 1.5, "text": " four five six"}, {"start": 1.6, "end": 2.4, "text": " seven"}]}


def load_model(
    whisper_arch: str,
    device: str,
    device_index=0,
    compute_type="default",
    asr_options: Optional[dict] = None,
    language: Optional[str] = None,
    vad_model=None,
    vad_method: Optional[str] = "pyannote",
    vad_options: Optional[dict] = None,
    model=None,
    task="transcribe",
    download_root: Optional[str] = None,
    local_files_only=False,
    threads=4,
    use_auth_token: Optional[Union[str, bool]] = None,
):
    record("load_model", name=whisper_arch, device=device, compute_type=compute_type, download_root=download_root,
           local_files_only=local_files_only, language=language)
    if whisper_arch == "missing-model":
        raise FileNotFoundError("model %s not found under %s" % (whisper_arch, download_root))
    return FasterWhisperPipeline()
