"""Protocol tests of the bridges: the WhisperX bridge against a stand-in whisperx package with WhisperX
3.8's call signatures (the real one needs PyPI and a GPU), decoding real audio with ffmpeg; and the
PocketSphinx bridge decoding real LibriVox speech (pocketsphinx-testdata) in process."""
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


LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"


def run_pocketsphinx(requests, extra_env=None):
    env = dict(os.environ)
    env.update(extra_env or {})
    proc = subprocess.run([sys.executable, os.path.join(BRIDGE_DIR, "pocketsphinx_bridge.py")],
                          input="".join(json.dumps(r) + "\n" for r in requests), capture_output=True, text=True, env=env, timeout=120)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc, lines


def opus_of(path, inputs, filters=None):
    """The pipeline's own Opus (16 kHz mono, 32k, voip) of one input or of several joined."""
    args = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    for i in inputs:
        args += ["-i", i]
    if filters:
        args += ["-filter_complex", filters]
    args += ["-ac", "1", "-ar", "16000", "-c:a", "libopus", "-b:a", "32k", "-application", "voip", "-f", "ogg", path]
    subprocess.run(args, check=True)
    return path


class PocketSphinxBridgeTest(unittest.TestCase):
    """The CPU engine in process: real LibriVox speech (pocketsphinx-testdata) through the pipeline's own Opus."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.silence = make_wav(os.path.join(self.tmp.name, "silence.wav"), 3)
        clip = os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-%s.wav")
        # two sentences with three seconds of silence between them: two utterances in one file
        self.two = opus_of(os.path.join(self.tmp.name, "two.opus"), [clip % "0880", self.silence, clip % "0930"],
                           "[0][1][2]concat=n=3:v=0:a=1")
        self.one = opus_of(os.path.join(self.tmp.name, "one.opus"), [clip % "0930"])

    def tearDown(self):
        self.tmp.cleanup()

    def test_each_pause_ends_a_segment_with_word_times_counted_from_the_start_of_each_file(self):
        proc, lines = run_pocketsphinx([{"id": "a", "audio": self.two}, {"id": "b", "audio": self.one}])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(lines[0]["type"], "ready")
        self.assertEqual((lines[0]["engine"], lines[0]["model"], lines[0]["device"]), ("pocketsphinx", "en-us", "cpu"))
        self.assertEqual(proc.stderr.count("model loaded"), 1, "the model is loaded once, not per file")
        two, one = lines[1], lines[2]
        self.assertTrue(two["ok"], two)
        self.assertAlmostEqual(two["duration"], 2.99 + 3 + 3.29, delta=0.1)
        self.assertEqual(len(two["segments"]), 2, two["segments"])
        first, second = two["segments"]
        self.assertIn("young man", first["text"])
        self.assertIn("he might even have been made", second["text"])
        self.assertGreater(second["start"] - first["end"], 2.5, "the silence lies between the two segments")
        for segment in two["segments"]:
            self.assertEqual(segment["text"], " ".join(w["word"] for w in segment["words"]))
            for w in segment["words"]:
                self.assertTrue(segment["start"] <= w["start"] < w["end"] <= segment["end"] <= two["duration"], w)
                self.assertTrue(0 < w["score"] <= 1, w)
        self.assertTrue(one["ok"], one)
        self.assertLess(one["segments"][0]["start"], 1.0, "the second file's times start again at zero")
        self.assertIn("he might even have been made", one["segments"][0]["text"])

    def test_silence_is_an_answer_without_segments(self):
        proc, lines = run_pocketsphinx([{"id": "s", "audio": self.silence}])
        self.assertTrue(lines[1]["ok"], lines[1])
        self.assertEqual(lines[1]["segments"], [])
        self.assertAlmostEqual(lines[1]["duration"], 3.0, delta=0.05)

    def test_undecodable_or_missing_audio_is_permanent_and_the_bridge_goes_on(self):
        bad = os.path.join(self.tmp.name, "bad.mp3")
        with open(bad, "w") as f:
            f.write("ID3 not an mp3 at all " * 40)
        proc, lines = run_pocketsphinx([{"id": "x", "audio": bad}, {"id": "m", "audio": "/nonexistent.opus"},
                                        {"id": "ok", "audio": self.one}])
        self.assertEqual([l.get("ok") for l in lines[1:]], [False, False, True])
        self.assertFalse(lines[1]["retryable"])
        self.assertIn("cannot decode", lines[1]["error"])
        self.assertFalse(lines[2]["retryable"])

    def test_a_playlist_disguised_as_audio_reads_no_other_file(self):
        playlist = os.path.join(self.tmp.name, "evil.mp3")
        with open(playlist, "w") as f:
            f.write("#EXTM3U\n#EXTINF:3,\n%s\n" % self.one)
        proc, lines = run_pocketsphinx([{"id": "p", "audio": playlist}])
        self.assertFalse(lines[1]["ok"], lines[1])
        self.assertNotIn("segments", lines[1])

    def test_missing_model_is_one_line_and_a_non_zero_exit(self):
        proc, lines = run_pocketsphinx([], {"POCKETSPHINX_MODEL_DIR": os.path.join(self.tmp.name, "none")})
        self.assertEqual(proc.returncode, 4)
        self.assertEqual(lines, [])
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1)
        self.assertIn("apt-get install pocketsphinx-en-us", proc.stderr)

    def test_a_file_is_recognised_the_same_whatever_was_decoded_before_it(self):
        clip = os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0870.wav")
        proc, lines = run_pocketsphinx([{"id": "alone", "audio": self.one}])
        proc, after = run_pocketsphinx([{"id": "first", "audio": clip}, {"id": "two", "audio": self.two},
                                        {"id": "again", "audio": self.one}])
        self.assertEqual(after[3]["segments"], lines[1]["segments"])

    def test_a_long_recording_is_cut_at_its_quietest_moment_near_the_end_of_each_piece(self):
        import array
        loud = array.array("h", [8000, -8000] * 8000 * 10)           # 10 s of loud sound
        quiet = array.array("h", [0] * 800)                           # 50 ms of silence
        pcm = (loud + quiet + loud[:16000 * 2]).tobytes()
        cut = pocketsphinx_bridge.quietest_cut(pcm)
        self.assertLessEqual(abs(cut / 2 - (160000 + 400)), 400, "the cut falls in the silence")
        self.assertTrue(pocketsphinx_bridge.is_silent(bytes(3200)))
        self.assertFalse(pocketsphinx_bridge.is_silent(loud[:1600].tobytes()))

    def test_fillers_are_not_words_and_alternate_pronunciations_are_their_word(self):
        self.assertEqual([pocketsphinx_bridge.word_of(t) for t in ["<s>", "<sil>", "[NOISE]", "++BREATH++", "read(2)", "read"]],
                         [None, None, None, None, "read", "read"])
        self.assertIsNone(pocketsphinx_bridge.segment_of([]))


if __name__ == "__main__":
    unittest.main()
