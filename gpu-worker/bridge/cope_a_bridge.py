#!/usr/bin/env python3
"""CoPE-A engine for the labeller bridge (production, GPU).

python3 cope_a_bridge.py --models-root /data/models --base-model google/gemma-2-9b --adapter zentropi-ai/cope-a-9b
                         --device cuda --max-tokens 8192

CoPE-A (Zentropi's content-policy evaluator) is a LoRA adapter on gemma-2-9b. Written against
transformers 5 (AutoTokenizer.from_pretrained(path, local_files_only=), AutoModelForCausalLM.from_pretrained(
path, dtype=, device_map=, local_files_only=); `torch_dtype` is deprecated there) and PEFT 0.20
(PeftModel.from_pretrained(model, model_id, adapter_name=, is_trainable=, ...), merge_and_unload()).

Both the base model and the adapter load from MODELS_ROOT only (the hub is put offline before anything is
imported); the adapter is merged once at load. Each request builds CoPE-A's prompt exactly (INSTRUCTIONS,
POLICY, CONTENT, ANSWER, each header underlined with '='), runs one forward pass and scores the answer by
the probability of "1" against "0" at the next token. A transcript longer than the context is split into
overlapping chunks of tokens; its label is the highest over its chunks. A CUDA out-of-memory error frees
what it can and is answered as retryable.
"""
import argparse
import gc
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bridge_protocol import BridgeError, fail_startup, log, serve_labels  # noqa: E402

PROMPT = """INSTRUCTIONS
============

Examine the given POLICY and determine if the given CONTENT meets the criteria for ANY of the LABELS. Answer "1" if yes, and "0" if no.


POLICY
======

{policy}


CONTENT
=======

{content}


ANSWER
======

"""
THRESHOLD = 0.5
# tokens of each chunk that repeat the end of the chunk before it, so a passage cut by a boundary is still seen whole
OVERLAP_FRACTION = 0.125


def build_prompt(policy, content):
    return PROMPT.format(policy=policy.strip(), content=content.strip())


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models-root", default=os.environ.get("MODELS_ROOT", "/data/models"))
    p.add_argument("--base-model", default="google/gemma-2-9b")
    p.add_argument("--adapter", default="zentropi-ai/cope-a-9b")
    p.add_argument("--device", default="cuda")
    p.add_argument("--max-tokens", type=int, default=8192)
    return p.parse_args(argv)


def is_out_of_memory(error):
    return type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower()


class CopeAEngine:
    def __init__(self, torch, transformers, peft, args):
        self.torch = torch
        self.args = args
        base = os.path.join(args.models_root, args.base_model)
        adapter = os.path.join(args.models_root, args.adapter)
        for what, path in (("base model", base), ("adapter", adapter)):
            if not os.path.isdir(path):
                raise FileNotFoundError("%s %s not found under MODELS_ROOT (%s)" % (what, path, args.models_root))
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True)
        model = transformers.AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16, device_map=args.device,
                                                                  local_files_only=True)
        model = peft.PeftModel.from_pretrained(model, adapter, is_trainable=False)
        self.model = model.merge_and_unload()
        self.model.eval()
        self.zero = self._single_token("0")
        self.one = self._single_token("1")
        self.version = getattr(transformers, "__version__", "unknown")

    def _single_token(self, text):
        ids = self.tokenizer.encode(text, add_special_tokens=False)
        if len(ids) != 1:
            raise ValueError("the tokenizer does not keep %r as one token (%r)" % (text, ids))
        return ids[0]

    def ready_info(self):
        return {"engine": "cope-a", "engine_version": self.version, "model": self.args.adapter, "device": self.args.device}

    def chunks(self, policy, content):
        """The content as texts that each fit the context with the policy; consecutive ones overlap."""
        overhead = len(self.tokenizer.encode(build_prompt(policy, ""), add_special_tokens=True))
        budget = self.args.max_tokens - overhead - 1
        if budget < 64:
            raise BridgeError("the policy takes %d of the %d tokens of context: shorten it" % (overhead, self.args.max_tokens),
                              retryable=False)
        ids = self.tokenizer.encode(content.strip(), add_special_tokens=False)
        if len(ids) <= budget:
            return [content]
        step = budget - max(1, int(budget * OVERLAP_FRACTION))
        pieces = []
        for start in range(0, len(ids), step):
            pieces.append(self.tokenizer.decode(ids[start:start + budget], skip_special_tokens=True))
            if start + budget >= len(ids):
                break
        return pieces

    def score(self, policy, content):
        """P("1") against "0" as the next token after CoPE-A's prompt."""
        torch = self.torch
        encoded = self.tokenizer(build_prompt(policy, content), return_tensors="pt")
        input_ids = encoded["input_ids"].to(self.model.device)
        with torch.no_grad():
            logits = self.model(input_ids=input_ids).logits[0, -1]
        pair = torch.stack([logits[self.zero], logits[self.one]]).float()
        return float(torch.softmax(pair, dim=-1)[1].item())

    def label(self, policy, content):
        try:
            scores = [self.score(policy, piece) for piece in self.chunks(policy, content)]
        except BridgeError:
            raise
        except Exception as e:
            if is_out_of_memory(e):
                gc.collect()
                if self.torch.cuda.is_available():
                    self.torch.cuda.empty_cache()
                raise BridgeError("GPU out of memory: %s" % e, retryable=True)
            raise
        best = max(scores)
        return {"label": 1 if best >= THRESHOLD else 0, "score": round(best, 6), "chunks": len(scores), "evidence": []}


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        import torch
        import transformers
        import peft
    except ImportError as e:
        fail_startup("cope_a_bridge: torch, transformers and peft must be installed in the bridge's virtualenv (%s)" % e, 3)
    try:
        engine = CopeAEngine(torch, transformers, peft, args)
    except Exception as e:
        fail_startup("cope_a_bridge: cannot load %s + %s from %s: %s" % (args.base_model, args.adapter, args.models_root,
                                                                         str(e).splitlines()[0] if str(e) else type(e).__name__), 4)
    log("cope_a_bridge: %s with adapter %s loaded on %s" % (args.base_model, args.adapter, args.device))
    serve_labels(engine)


if __name__ == "__main__":
    main()
