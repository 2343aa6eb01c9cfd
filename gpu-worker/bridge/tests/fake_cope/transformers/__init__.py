"""Stand-in for transformers 5 with its current call signatures (AutoTokenizer and AutoModelForCausalLM
.from_pretrained(pretrained_model_name_or_path, *args, **kwargs); `dtype`, `torch_dtype` deprecated).

The tokenizer keeps each run of whitespace with the word after it as one token, so decode(encode(t)) == t.
The model reads its prompt back and answers "1" when the CONTENT section holds the word FLAGGED (more
confidently the more often), "0" otherwise; it refuses an input longer than its context, as position
embeddings would, and raises CUDA out-of-memory for content holding CUDA_OOM.
"""
import re
import sys

import torch

sys.path.insert(0, __path__[0] + "/..")
from _record import record  # noqa: E402

__version__ = "5.0.0-fake"
CONTEXT = 8192
BOS = 2
_TOKEN = re.compile(r"\s*\S+|\s+")
_vocab = {"<pad>": 0, "<eos>": 1, "<bos>": BOS}
_words = {0: "<pad>", 1: "<eos>", BOS: "<bos>"}


def _id(piece):
    if piece not in _vocab:
        _vocab[piece] = len(_vocab)
        _words[_vocab[piece]] = piece
    return _vocab[piece]


class FakeTokenizer:
    def encode(self, text, add_special_tokens=True):
        ids = [_id(piece) for piece in _TOKEN.findall(text)]
        return ([BOS] if add_special_tokens else []) + ids

    def decode(self, ids, skip_special_tokens=False):
        return "".join(_words[i] for i in ids if not (skip_special_tokens and i <= BOS))

    def __call__(self, text, return_tensors=None):
        return {"input_ids": torch.tensor([self.encode(text)])}


class AutoTokenizer:
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *inputs, **kwargs):
        record("AutoTokenizer.from_pretrained", path=pretrained_model_name_or_path, kwargs=kwargs)
        return FakeTokenizer()


class _Output:
    def __init__(self, logits):
        self.logits = logits


class FakeCausalLM:
    def __init__(self, path, kwargs):
        self.path = path
        self.device = kwargs.get("device_map")
        self.merged = False
        self.evaluating = False

    def eval(self):
        self.evaluating = True
        return self

    def __call__(self, input_ids=None, **kwargs):
        ids = [int(i) for i in input_ids.array[0]]
        prompt = FakeTokenizer().decode(ids, skip_special_tokens=True)
        record("model", tokens=len(ids), prompt=prompt, merged=self.merged, evaluating=self.evaluating)
        if len(ids) > CONTEXT:
            raise IndexError("index out of range in self (input of %d tokens, context %d)" % (len(ids), CONTEXT))
        content = prompt.split("CONTENT\n=======\n", 1)[1].split("\n\n\nANSWER\n======", 1)[0]
        if "CUDA_OOM" in content:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        hits = content.count("FLAGGED")
        # the last position's logits only (the bridge reads no other)
        logits = [[[0.0] * (max(_vocab.values()) + 1)]]
        logits[0][-1][_id("0")] = 2.0
        logits[0][-1][_id("1")] = -2.0 + 5.0 * hits
        return _Output(torch.tensor(logits))


class AutoModelForCausalLM:
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *model_args, **kwargs):
        record("AutoModelForCausalLM.from_pretrained", path=pretrained_model_name_or_path, kwargs=kwargs)
        return FakeCausalLM(pretrained_model_name_or_path, kwargs)
