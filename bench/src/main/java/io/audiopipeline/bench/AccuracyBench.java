package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.GnuTar;
import io.audiopipeline.sandbox.LibriVox;
import io.audiopipeline.sandbox.LocalPipeline;
import io.audiopipeline.sandbox.WordErrorRate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How well the CPU engine hears real speech through the whole pipeline: the five LibriVox sentences of
 * {@code pocketsphinx-testdata}, packed with GNU tar, transferred, unpacked to Opus and transcribed by the
 * three workers; the word error rate against the reference transcripts. The same decoder on the original
 * WAVs, with no pipeline around it, is reported beside it.
 */
final class AccuracyBench {
    private static final Duration LIMIT = Duration.ofMinutes(5);

    private AccuracyBench() {
    }

    static Row run(BenchEnv e) throws Exception {
        e.reset();
        Map<String, String> references = LibriVox.references();
        Path work = e.work.resolve("accuracy");
        BatchCompletion.removeTree(work);
        Path export = LibriVox.copyTo(work.resolve("export/librivox"));
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        GnuTar.packFolder(export.getParent(), inbox.resolve("librivox.tar.gz"), "librivox");
        Map<String, String> env = LocalPipeline.env(e.env, "accuracy-node", Files.createDirectories(work.resolve("scratch")),
                work.resolve("staging"), inbox);
        env.put("JAVA_OPTS", e.env.get("JAVA_OPTS"));

        Row row = new Row("accuracy: " + references.size() + " LibriVox sentences (real speech), whole pipeline, CPU engine", "word error rate");
        row.goal = "≤ 0.30";
        WordErrorRate wer = new WordErrorRate();
        List<ChildProgram> workers = new ArrayList<>();
        try {
            workers.add(ChildProgram.start("unpack-worker", env, work.resolve("logs")));
            workers.add(ChildProgram.start("gpu-worker", env, work.resolve("logs")));
            try (ChildProgram transfer = ChildProgram.start("transfer-worker", env, work.resolve("logs"), "--once")) {
                if (transfer.waitFor(120) != 0) {
                    throw new IllegalStateException("transfer-worker --once failed; log " + transfer.logFile());
                }
            }
            PipelineRuns.await(LIMIT, () -> e.completedBatches() == 1,
                    "the LibriVox batch did not complete within " + LIMIT.toMinutes() + " minutes");
            List<String[]> recognised = e.db.withHandle(h -> h.createQuery("SELECT f.original_filename, t.text FROM audio_files f "
                    + "JOIN transcripts t USING (audio_id)").map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).list());
            if (recognised.size() != references.size()) {
                throw new IllegalStateException("expected " + references.size() + " transcripts, the pipeline stored " + recognised.size());
            }
            for (String[] r : recognised) {
                wer.add(references.get(r[0].substring(r[0].lastIndexOf('/') + 1)), r[1]);
            }
        } finally {
            for (ChildProgram p : workers) {
                p.terminate(60);
            }
        }
        row.pipeline.add(wer.rate());
        row.extra.put("word errors", wer.errors() + " in " + wer.referenceWords() + String.format(Locale.ROOT, " reference words (%.3f)", wer.rate()));
        row.extra.put("the same decoder on the original WAVs, no pipeline", String.format(Locale.ROOT, "%.3f", directOnWavs(e, references)));
        return row;
    }

    /** The bridge's decoder called directly on each WAV, one process: the engine's own word error rate. */
    private static double directOnWavs(BenchEnv e, Map<String, String> references) throws Exception {
        String script = "import sys\nsys.path.insert(0, sys.argv[1])\nimport pocketsphinx_bridge as b\n"
                + "engine = b.PocketSphinxEngine(b.load_decoder(b.MODEL_DIR))\nfor f in sys.argv[2:]:\n"
                + "    print('hyp:' + ' '.join(s['text'] for s in engine.transcribe(f, None)['segments']))\n";
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-c", script, e.root.resolve("gpu-worker/bridge").toString()));
        references.keySet().forEach(name -> command.add(LibriVox.DIR.resolve(name).toString()));
        // the engine may log on stderr, which comes in the same stream: its answers are the lines marked as such
        List<String> lines = PipelineRuns.output(command).lines().filter(l -> l.startsWith("hyp:")).map(l -> l.substring(4)).toList();
        if (lines.size() != references.size()) {
            throw new IllegalStateException("the decoder answered " + lines.size() + " of " + references.size() + " recordings");
        }
        WordErrorRate wer = new WordErrorRate();
        int i = 0;
        for (String reference : references.values()) {
            wer.add(reference, lines.get(i));
            i++;
        }
        return wer.rate();
    }
}
