"""Stand-in for PEFT 0.20 with its current call signatures."""
import sys

sys.path.insert(0, __path__[0] + "/..")
from _record import record  # noqa: E402

__version__ = "0.20.1-fake"


class PeftModel:
    def __init__(self, model, model_id):
        self.base_model = model
        self.model_id = model_id

    @classmethod
    def from_pretrained(cls, model, model_id, adapter_name="default", is_trainable=False, config=None,
                        autocast_adapter_dtype=True, ephemeral_gpu_offload=False, low_cpu_mem_usage=False,
                        key_mapping=None, **kwargs):
        record("PeftModel.from_pretrained", model_id=model_id, adapter_name=adapter_name, is_trainable=is_trainable,
               kwargs=kwargs)
        return cls(model, model_id)

    def merge_and_unload(self, progressbar=False, safe_merge=False, adapter_names=None):
        record("merge_and_unload")
        self.base_model.merged = True
        return self.base_model
