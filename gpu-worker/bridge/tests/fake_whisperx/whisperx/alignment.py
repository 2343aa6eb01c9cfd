"""whisperx.alignment: load_align_model and align, with WhisperX 3.8's signatures."""
from typing import Optional

from whisperx._calls import record


def load_align_model(language_code: str, device: str, model_name: Optional[str] = None, model_dir=None, model_cache_only: bool = False):
    record("load_align_model", language_code=language_code, device=device, model_name=model_name, model_dir=model_dir,
           model_cache_only=model_cache_only)
    return object(), {"language": language_code}


def align(
    transcript,
    model,
    align_model_metadata: dict,
    audio,
    device: str,
    interpolate_method: str = "nearest",
    return_char_alignments: bool = False,
    print_progress: bool = False,
    combined_progress: bool = False,
    progress_callback=None,
):
    record("align", device=device)
    out = []
    for s in transcript:
        words = s["text"].split()
        step = (s["end"] - s["start"]) / max(1, len(words))
        out.append({"start": s["start"], "end": s["end"], "text": s["text"],
                    "words": [{"word": w, "start": s["start"] + i * step, "end": s["start"] + (i + 1) * step, "score": 0.9}
                              for i, w in enumerate(words)]})
    return {"segments": out, "word_segments": []}
