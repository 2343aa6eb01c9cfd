"""whisperx.diarize: DiarizationPipeline and assign_word_speakers, with WhisperX 3.8's signatures."""
from typing import Optional

from whisperx._calls import record


class DiarizationPipeline:
    def __init__(
        self,
        model_name=None,
        token=None,
        device="cpu",
        cache_dir=None,
    ):
        record("diarization_pipeline", model_name=model_name, token=token, device=device, cache_dir=cache_dir)

    def __call__(
        self,
        audio,
        num_speakers: Optional[int] = None,
        min_speakers: Optional[int] = None,
        max_speakers: Optional[int] = None,
        return_embeddings: bool = False,
        progress_callback=None,
    ):
        record("diarize", min_speakers=min_speakers, max_speakers=max_speakers)
        return "diarization"


def assign_word_speakers(
    diarize_df,
    transcript_result,
    speaker_embeddings=None,
    fill_nearest: bool = False,
):
    for s in transcript_result["segments"]:
        s["speaker"] = "SPEAKER_00"
        for w in s.get("words", []):
            w["speaker"] = "SPEAKER_00"
    return transcript_result
