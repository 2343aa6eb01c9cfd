"""Protocol tests of the bridges: the WhisperX bridge against a stand-in whisperx package with WhisperX
3.8's call signatures (the real one needs PyPI and a GPU), decoding real audio with ffmpeg; and the
PocketSphinx bridge's output parsing."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BRIDGE_DIR = os.path.dirname(HERE)
sys.path.insert(0, BRIDGE_DIR)

import pocketsphinx_bridge  # noqa: E402


def make_wav(path, seconds):
    """Silence of an exact length, as a WAV ffmpeg writes: the stand-in steers by the decoded length."""
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono",
                    "-t", str(seconds), path], check=True)
    return path


def run_bridge(args, requests, fake=True, extra_env=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(HERE, "fake_whisperx") if fake else ""
    env.update(extra_env or {})
    proc = subprocess.run([sys.executable, os.path.join(BRIDGE_DIR, "whisperx_bridge.py")] + args,
                          input="".join(json.dumps(r) + "\n" if not isinstance(r, str) else r + "\n" for r in requests),
                          capture_output=True, text=True, env=env, timeout=60)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc, lines


class WhisperXBridgeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.calls = os.path.join(self.tmp.name, "calls.jsonl")
        self.audio = make_wav(os.path.join(self.tmp.name, "a.wav"), 3)

    def tearDown(self):
        self.tmp.cleanup()

    def recorded(self):
        with open(self.calls) as f:
            return [json.loads(line) for line in f]

    def test_ready_then_answers_with_segments_words_language_and_duration(self):
        proc, lines = run_bridge(["--model", "large-v3", "--device", "cuda", "--align", "--models-root", "/models"],
                                 [{"id": "r1", "audio": self.audio, "language": None}], extra_env={"FAKE_WHISPERX_CALLS": self.calls})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(lines[0], {"type": "ready", "engine": "whisperx", "engine_version": "3.8.7-fake", "model": "large-v3", "device": "cuda"})
        answer = lines[1]
        self.assertEqual(answer["id"], "r1")
        self.assertTrue(answer["ok"])
        self.assertEqual(answer["language"], "en")
        self.assertEqual(answer["duration"], 3.0)
        self.assertEqual([s["text"] for s in answer["segments"]], ["four five six", "seven"])
        self.assertEqual([w["word"] for w in answer["segments"][0]["words"]], ["four", "five", "six"])
        for segment in answer["segments"]:
            for w in segment["words"]:
                self.assertLessEqual(segment["start"], w["start"])
                self.assertLessEqual(w["end"], segment["end"] + 1e-9)
        load = [c for c in self.recorded() if c["call"] == "load_model"][0]
        self.assertEqual(load, {"call": "load_model", "name": "large-v3", "device": "cuda", "compute_type": "float16",
                                "download_root": "/models", "local_files_only": True, "language": None})
        align = [c for c in self.recorded() if c["call"] == "load_align_model"][0]
        self.assertEqual((align["model_dir"], align["model_cache_only"]), ("/models", True), "alignment models from MODELS_ROOT only")
        self.assertNotIn("load_audio", [c["call"] for c in self.recorded()], "the bridge decodes audio itself")

    def test_model_loaded_once_and_alignment_model_cached_per_language(self):
        requests = [{"id": str(i), "audio": self.audio, "language": lang} for i, lang in enumerate(["en", "en", "de", "en"])]
        proc, lines = run_bridge(["--align"], requests, extra_env={"FAKE_WHISPERX_CALLS": self.calls})
        self.assertEqual(len(lines), 5, proc.stderr)
        calls = [c["call"] for c in self.recorded()]
        self.assertEqual(calls.count("load_model"), 1)
        self.assertEqual(sorted(c["language_code"] for c in self.recorded() if c["call"] == "load_align_model"), ["de", "en"])
        self.assertEqual(calls.count("transcribe"), 4)

    def test_diarization_assigns_speakers_with_speaker_bounds_and_token(self):
        proc, lines = run_bridge(["--diarize", "--min-speakers", "1", "--max-speakers", "3", "--align"],
                                 [{"id": "d", "audio": self.audio}], extra_env={"FAKE_WHISPERX_CALLS": self.calls, "HF_TOKEN": "tok"})
        self.assertEqual(lines[1]["segments"][0]["speaker"], "SPEAKER_00", proc.stderr)
        recorded = self.recorded()
        self.assertIn({"call": "diarization_pipeline", "model_name": "pyannote/speaker-diarization-community-1", "token": "tok",
                       "device": "cuda", "cache_dir": "/data/models/diarization"}, recorded)
        self.assertIn({"call": "diarize", "min_speakers": 1, "max_speakers": 3}, recorded)

    def test_out_of_memory_is_retryable_and_the_bridge_keeps_serving(self):
        oom = make_wav(os.path.join(self.tmp.name, "oom.wav"), 2)
        proc, lines = run_bridge([], [{"id": "a", "audio": oom}, {"id": "b", "audio": self.audio}])
        self.assertEqual(lines[1]["id"], "a")
        self.assertFalse(lines[1]["ok"])
        self.assertTrue(lines[1]["retryable"])
        self.assertIn("out of memory", lines[1]["error"])
        self.assertTrue(lines[2]["ok"])

    def test_undecodable_or_missing_audio_is_permanent(self):
        bad = os.path.join(self.tmp.name, "undecodable.opus")
        with open(bad, "wb") as f:
            f.write(b"OggS this is not an Ogg stream at all")
        proc, lines = run_bridge([], [{"id": "u", "audio": bad}, {"id": "m", "audio": "/nonexistent/x.opus"}])
        self.assertFalse(lines[1]["ok"])
        self.assertFalse(lines[1]["retryable"])
        self.assertFalse(lines[2]["retryable"])
        self.assertIn("does not exist", lines[2]["error"])

    def test_each_file_is_transcribed_as_transcribe_with_its_own_language_only(self):
        requests = [{"id": "de", "audio": self.audio, "language": "de"}, {"id": "auto", "audio": self.audio, "language": None}]
        proc, lines = run_bridge([], requests, extra_env={"FAKE_WHISPERX_CALLS": self.calls})
        self.assertEqual(len(lines), 3, proc.stderr)
        calls = [c for c in self.recorded() if c["call"] == "transcribe"]
        self.assertEqual([(c["language"], c["task"]) for c in calls], [("de", "transcribe"), (None, "transcribe")])
        self.assertEqual([l["language"] for l in lines[1:]], ["de", "en"])

    def test_a_playlist_disguised_as_audio_reads_no_other_file(self):
        secret = make_wav(os.path.join(self.tmp.name, "secret.wav"), 3)
        playlist = os.path.join(self.tmp.name, "evil.opus")
        with open(playlist, "w") as f:
            f.write("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n%s\n#EXT-X-ENDLIST\n" % secret)
        proc, lines = run_bridge([], [{"id": "p", "audio": playlist}], extra_env={"FAKE_WHISPERX_CALLS": self.calls})
        self.assertFalse(lines[1]["ok"], proc.stderr)
        self.assertFalse(lines[1]["retryable"])
        self.assertIn("cannot decode", lines[1]["error"])
        self.assertNotIn("transcribe", [c["call"] for c in self.recorded()])

    def test_invalid_requests_get_an_answer_not_a_crash(self):
        proc, lines = run_bridge([], ["this is not json", {"audio": self.audio}, {"id": 7, "audio": self.audio}])
        self.assertEqual([l.get("ok") for l in lines[1:]], [False, False, True])
        self.assertIn("invalid request", lines[1]["error"])

    def test_missing_module_is_one_line_on_stderr_and_a_non_zero_exit_before_ready(self):
        proc, lines = run_bridge([], [{"id": "x", "audio": self.audio}], fake=False)
        self.assertEqual(proc.returncode, 3)
        self.assertEqual(lines, [])
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1)
        self.assertIn("whisperx module is not installed", proc.stderr)

    def test_missing_model_is_one_line_and_a_non_zero_exit(self):
        proc, lines = run_bridge(["--model", "missing-model"], [])
        self.assertEqual(proc.returncode, 4)
        self.assertEqual(lines, [])
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1)
        self.assertIn("cannot load model missing-model", proc.stderr)


class PocketSphinxParsingTest(unittest.TestCase):
    OUTPUT = """the meeting starts at nine
<s> 0.000 0.020 0.999400
the 0.030 0.140 0.970934
meeting(2) 0.150 0.570 0.845916
<sil> 0.580 0.600 0.216302
starts 0.610 1.010 0.455759
at 1.020 1.210 0.729689
nine 1.260 1.550 0.215094
</s> 1.560 1.900 1.000000
thirty
<s> 2.000 2.010 0.9
thirty 2.020 2.500 0.6
</s> 2.510 2.600 1.0
"""

    def test_words_with_times_grouped_per_utterance_fillers_and_alternates_dropped(self):
        segments = pocketsphinx_bridge.parse_output(self.OUTPUT)
        self.assertEqual([s["text"] for s in segments], ["the meeting starts at nine", "thirty"])
        self.assertEqual(segments[0]["words"][1], {"word": "meeting", "start": 0.15, "end": 0.57, "score": 0.845916})
        self.assertEqual((segments[0]["start"], segments[0]["end"]), (0.03, 1.55))

    def test_nothing_recognised_gives_no_segments(self):
        self.assertEqual(pocketsphinx_bridge.parse_output(""), [])


if __name__ == "__main__":
    unittest.main()
