"""Protocol tests of the labeller bridges: the CoPE-A bridge against stand-in torch, transformers 5 and PEFT
0.20 modules with their current call signatures (the real ones need PyPI, the weights and a GPU), and the
lexicon engine, which is real."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BRIDGE_DIR = os.path.dirname(HERE)
sys.path.insert(0, BRIDGE_DIR)

import lexicon_bridge  # noqa: E402

POLICY = """Overview
========

Content that offers a refund outside the process.

LABELS
======

REFUND: the content offers or asks for money back.

LEXICON
=======

refund
money back
/charge ?backs?/
"""


def run(script, args, requests, env=None, timeout=60):
    full = dict(os.environ)
    full.update(env or {})
    proc = subprocess.run([sys.executable, os.path.join(BRIDGE_DIR, script)] + args,
                          input="".join(json.dumps(r) + "\n" if not isinstance(r, str) else r + "\n" for r in requests),
                          capture_output=True, text=True, env=full, timeout=timeout)
    return proc, [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


class CopeABridgeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.models = os.path.join(self.tmp.name, "models")
        for d in ("google/gemma-2-9b", "zentropi-ai/cope-a-9b"):
            os.makedirs(os.path.join(self.models, d))
        self.calls = os.path.join(self.tmp.name, "calls.jsonl")
        self.env = {"PYTHONPATH": os.path.join(HERE, "fake_cope"), "FAKE_COPE_CALLS": self.calls}

    def tearDown(self):
        self.tmp.cleanup()

    def recorded(self, call=None):
        with open(self.calls) as f:
            calls = [json.loads(line) for line in f]
        return [c for c in calls if call is None or c["call"] == call]

    def bridge(self, requests, extra=()):
        return run("cope_a_bridge.py", ["--models-root", self.models, "--device", "cuda"] + list(extra), requests, self.env)

    def test_loads_from_models_root_only_with_current_signatures_merges_once_and_scores(self):
        proc, lines = self.bridge([{"id": "a", "policy": POLICY, "content": "this call was FLAGGED by the agent"},
                                   {"id": "b", "policy": POLICY, "content": "thank you, see you on monday"}])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(lines[0], {"type": "ready", "engine": "cope-a", "engine_version": "5.0.0-fake",
                                    "model": "zentropi-ai/cope-a-9b", "device": "cuda"})
        self.assertEqual((lines[1]["id"], lines[1]["ok"], lines[1]["label"], lines[1]["chunks"]), ("a", True, 1, 1))
        self.assertGreater(lines[1]["score"], 0.5)
        self.assertEqual((lines[2]["label"], lines[2]["chunks"]), (0, 1))
        self.assertLess(lines[2]["score"], 0.5)
        model_load = self.recorded("AutoModelForCausalLM.from_pretrained")
        self.assertEqual(len(model_load), 1, "the model loads once")
        self.assertEqual(model_load[0]["path"], os.path.join(self.models, "google/gemma-2-9b"))
        self.assertEqual(model_load[0]["kwargs"], {"dtype": "bfloat16", "device_map": "cuda", "local_files_only": True},
                         "transformers 5 takes dtype (torch_dtype is deprecated); weights from MODELS_ROOT only")
        self.assertEqual(self.recorded("AutoTokenizer.from_pretrained")[0]["kwargs"], {"local_files_only": True})
        adapter = self.recorded("PeftModel.from_pretrained")
        self.assertEqual((adapter[0]["model_id"], adapter[0]["is_trainable"]), (os.path.join(self.models, "zentropi-ai/cope-a-9b"), False))
        self.assertEqual(len(self.recorded("merge_and_unload")), 1)
        forward = self.recorded("model")
        self.assertTrue(all(c["merged"] and c["evaluating"] for c in forward), "inference on the merged model in eval mode")

    def test_the_prompt_is_cope_a_s_four_underlined_sections(self):
        self.bridge([{"id": "a", "policy": "  A policy.\n", "content": "Some content. "}])
        prompt = self.recorded("model")[0]["prompt"]
        self.assertEqual(prompt, 'INSTRUCTIONS\n============\n\nExamine the given POLICY and determine if the given CONTENT '
                                 'meets the criteria for ANY of the LABELS. Answer "1" if yes, and "0" if no.\n\n\n'
                                 'POLICY\n======\n\nA policy.\n\n\nCONTENT\n=======\n\nSome content.\n\n\nANSWER\n======\n\n')

    def test_a_transcript_longer_than_the_context_is_chunked_with_overlap_and_labelled_by_its_highest_chunk(self):
        words = ["word%d" % i for i in range(3000)]
        words[2900] = "FLAGGED"
        proc, lines = self.bridge([{"id": "long", "policy": POLICY, "content": " ".join(words)}], ["--max-tokens", "1024"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        answer = lines[1]
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(answer["label"], 1, "the flagged passage is near the end, in a late chunk")
        self.assertGreater(answer["chunks"], 3)
        forward = self.recorded("model")
        self.assertEqual(len(forward), answer["chunks"])
        self.assertTrue(all(c["tokens"] <= 1024 for c in forward), "every chunk fits the context")
        contents = [c["prompt"].split("CONTENT\n=======\n\n")[1].split("\n\n\nANSWER")[0].split() for c in forward]
        seen = set(w for chunk in contents for w in chunk)
        self.assertEqual(seen, set(words), "every word of the transcript is in some chunk")
        for before, after in zip(contents, contents[1:]):
            self.assertTrue(set(before) & set(after), "consecutive chunks overlap")

    def test_out_of_memory_is_retryable_and_the_bridge_goes_on(self):
        proc, lines = self.bridge([{"id": "1", "policy": POLICY, "content": "CUDA_OOM here"},
                                   {"id": "2", "policy": POLICY, "content": "FLAGGED"}])
        self.assertEqual((lines[1]["ok"], lines[1]["retryable"]), (False, True))
        self.assertIn("out of memory", lines[1]["error"])
        self.assertEqual((lines[2]["ok"], lines[2]["label"]), (True, 1))

    def test_missing_weights_are_one_line_and_exit_4(self):
        proc, lines = run("cope_a_bridge.py", ["--models-root", os.path.join(self.tmp.name, "nothing")], [], self.env)
        self.assertEqual(proc.returncode, 4)
        self.assertEqual(lines, [])
        self.assertIn("not found under MODELS_ROOT", proc.stderr.strip().splitlines()[-1])

    def test_missing_libraries_are_one_line_and_exit_3(self):
        proc, _ = run("cope_a_bridge.py", ["--models-root", self.models], [], {"PYTHONPATH": os.path.join(self.tmp.name, "empty")})
        if proc.returncode != 3:
            self.skipTest("this interpreter has torch, transformers and peft installed")
        self.assertIn("must be installed", proc.stderr)


class LexiconBridgeTest(unittest.TestCase):
    def test_terms_phrases_and_expressions_match_on_word_boundaries_ignoring_case_with_evidence(self):
        engine = lexicon_bridge.LexiconEngine()
        hit = engine.label(POLICY, "I want a Refund, or my MONEY  back, or two chargebacks")
        self.assertEqual((hit["label"], hit["score"]), (1, 1.0))
        self.assertEqual([e["text"] for e in hit["evidence"]], ["Refund", "MONEY  back", "chargebacks"])
        self.assertEqual([e["term"] for e in hit["evidence"]], ["refund", "money back", "/charge ?backs?/"])
        miss = engine.label(POLICY, "refunded items and moneyback are not words of the list")
        self.assertEqual((miss["label"], miss["score"], miss["evidence"]), (0, 0.0, []))

    def test_a_policy_without_lexicon_or_with_a_bad_expression_fails_clearly(self):
        engine = lexicon_bridge.LexiconEngine()
        with self.assertRaises(lexicon_bridge.BridgeError) as no_section:
            engine.label("Overview\n========\n\nno list here\n", "anything")
        self.assertFalse(no_section.exception.retryable)
        self.assertIn("no LEXICON section", str(no_section.exception))
        with self.assertRaises(lexicon_bridge.BridgeError) as bad:
            engine.label("LEXICON\n=======\n/(unclosed/\n", "anything")
        self.assertIn("not a valid regular expression", str(bad.exception))

    def test_the_bridge_speaks_the_protocol(self):
        proc, lines = run("lexicon_bridge.py", [], [{"id": "1", "policy": POLICY, "content": "a refund please"},
                                                    {"id": "2", "content": "no policy"},
                                                    {"id": "3", "policy": "no lexicon", "content": "x"}])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(lines[0]["type"], "ready")
        self.assertEqual((lines[1]["id"], lines[1]["ok"], lines[1]["label"], lines[1]["engine"], lines[1]["model"]),
                         ("1", True, 1, "lexicon", "lexicon-v1"))
        self.assertEqual((lines[2]["ok"], lines[2]["retryable"]), (False, False))
        self.assertEqual((lines[3]["id"], lines[3]["ok"], lines[3]["retryable"]), ("3", False, False))


if __name__ == "__main__":
    unittest.main()
