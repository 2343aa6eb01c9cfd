package io.audiopipeline.reliability;

import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.GnuTar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One batch of spoken calls through worker processes, watched in the database: its archive, its progress, what each worker transcribed. */
final class BatchWatch {
    private static final String[] WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};

    private final Database db;

    BatchWatch(Database db) {
        this.db = db;
    }

    /** {@code files} spoken recordings, {@code calls/clip-N.mp3}, packed with GNU tar from a folder, as users pack them. */
    static Path archive(Path work, int files) throws Exception {
        Path folder = Files.createDirectories(work.resolve("export/calls"));
        Path audio = Files.createDirectories(work.resolve("audio"));
        for (int i = 0; i < files; i++) {
            String sentence = "call " + WORDS[i % 10] + " please dial " + WORDS[(i * 3 + 1) % 10] + " " + WORDS[(i * 7 + 2) % 10] + " "
                    + WORDS[(i + 5) % 10] + " and " + WORDS[(i + 8) % 10] + " tomorrow morning";
            AudioFixtures.encode(AudioFixtures.speech(sentence, audio.resolve(i + ".wav")), folder.resolve("clip-" + i + ".mp3"));
        }
        return GnuTar.packFolder(work.resolve("export"), work.resolve("calls-" + System.nanoTime() + ".tar.gz"), "calls");
    }

    /** The three workers' environment on one node: the test's PostgreSQL, this Redis and S3 server, the CPU engine, an inbox. */
    static Map<String, String> nodeEnv(Path work, String node, io.audiopipeline.sandbox.EmbeddedRedis redis, io.audiopipeline.sandbox.EmbeddedS3 s3,
                                       String bucket, Path inbox) throws Exception {
        Map<String, String> servers = new HashMap<>(io.audiopipeline.common.testing.TestServers.env());
        servers.putAll(s3.env(bucket));
        servers.put("REDIS_URL", redis.url());
        return io.audiopipeline.sandbox.LocalPipeline.env(servers, node, Files.createDirectories(work.resolve("scratch")),
                Files.createDirectories(work.resolve("staging")), inbox);
    }

    /** How many times a GPU worker's log says it transcribed each file. */
    static Map<String, Integer> transcriptionsPerFile(ChildProgram gpu) throws Exception {
        Map<String, Integer> runs = new HashMap<>();
        Matcher m = Pattern.compile("transcribed (calls/clip-\\d+\\.mp3) \\(").matcher(gpu.output());
        while (m.find()) {
            runs.merge(m.group(1), 1, Integer::sum);
        }
        return runs;
    }

    /** The first batch the transfer worker records. */
    String awaitBatch() throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(deadline)) {
            List<String> ids = db.withHandle(h -> h.createQuery("SELECT batch_id FROM batches").mapTo(String.class).list());
            if (!ids.isEmpty()) {
                return ids.get(0);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no batch was transferred within 2 minutes");
    }

    void awaitTranscripts(String batchId, long atLeast) throws Exception {
        Instant deadline = Instant.now().plusSeconds(180);
        while (transcripts(batchId) < atLeast) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("fewer than " + atLeast + " transcripts after 3 minutes");
            }
            Thread.sleep(20);
        }
    }

    /** The batch's row once it completed, or as it is at {@code deadline}. */
    BatchRecord awaitCompleted(String batchId, Instant deadline) throws Exception {
        BatchRepository batches = new BatchRepository(db);
        while (Instant.now().isBefore(deadline) && !"completed".equals(batches.find(batchId).orElseThrow().status())) {
            Thread.sleep(250);
        }
        return batches.find(batchId).orElseThrow();
    }

    long transcripts(String batchId) throws Exception {
        return count("SELECT count(*) FROM transcripts t JOIN audio_files f USING (audio_id) WHERE f.batch_id = :b", batchId);
    }

    /** A count with the batch bound as {@code :b} (where the query names it). */
    long count(String sql, String batchId) throws Exception {
        return db.withHandle(h -> {
            var q = h.createQuery(sql);
            if (sql.contains(":b")) {
                q.bind("b", batchId);
            }
            return q.mapTo(Long.class).one();
        });
    }
}
