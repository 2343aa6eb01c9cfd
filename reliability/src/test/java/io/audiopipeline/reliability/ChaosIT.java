package io.audiopipeline.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.QueueInspector;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.queue.QueueStats;
import io.audiopipeline.common.queue.RedisConnector;
import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.sandbox.EmbeddedPostgres;
import io.audiopipeline.sandbox.EmbeddedRedis;
import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.LocalPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * Batches of spoken audio through 1 transfer, 2 unpack and 2 GPU worker processes on one node while a
 * driver, on a fixed seed, kills workers (-9), kills bridges, stops S3, restarts Redis (from its AOF, with every
 * key lost, from a snapshot seconds old), crashes PostgreSQL and sends SIGTERM (every kind once, then at random);
 * then every guarantee is checked and reported.
 */
class ChaosIT {
    private static final String BUCKET = "chaos";
    private static final String NODE = "chaos-node";
    private static final String[] WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};

    enum Fault { KILL_WORKER, KILL_BRIDGE, S3_OUTAGE, REDIS_RESTART, REDIS_LOSES_EVERY_KEY, REDIS_OLDER_SNAPSHOT, DATABASE_CRASH, SIGTERM_WORKER }

    @TempDir
    Path tmp;

    private final List<ResultsConsumer> consumers = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stopConsumers() throws Exception {
        for (ResultsConsumer c : consumers) {
            c.drainAndStop();
        }
    }

    private static void awaitQueuesDrained(String url, Instant deadline) throws Exception {
        while (Instant.now().isBefore(deadline.plusSeconds(120))) {
            try (UnifiedJedis redis = RedisConnector.connect(RedisConfig.from(new Env(Map.of("REDIS_URL", url))), 1)) {
                QueueInspector inspector = new QueueInspector(redis, new JobCodec().mapper());
                long busy = 0;
                for (String name : inspector.queueNames()) {
                    if (!name.equals("results")) {
                        QueueStats s = inspector.stats(new QueueKeys(name));
                        busy += s.waiting() + s.inFlight() + s.delayed();
                    }
                }
                if (busy == 0) {
                    return;
                }
            } catch (Exception redisAway) {
                // ask again
            }
            Thread.sleep(1_000);
        }
    }

    private static void awaitDeadLetters(UnifiedJedis redis, int unpack, int transcribe) throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        while (redis.llen(QueueKeys.unpack().dead()) < unpack || redis.llen(QueueKeys.transcribe(NODE).dead()) < transcribe) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the planted poison was not dead-lettered within 2 minutes");
            }
            Thread.sleep(200);
        }
    }

    /**
     * What the reconciler repairs in Redis after a loss (the batch keys, the dead-letter lists) may lag the last fault
     * by one pass: wait until the keys of every batch agree with its row, at most 90 s.
     */
    private static void awaitMirror(Database db, UnifiedJedis redis) throws Exception {
        BatchTracker tracker = new BatchTracker(redis);
        Instant deadline = Instant.now().plusSeconds(90);
        while (Instant.now().isBefore(deadline)) {
            boolean agree = true;
            for (BatchRecord b : allBatches(db, new BatchRepository(db))) {
                if (b.totalFiles() != null && "completed".equals(b.status())) {
                    agree &= tracker.agrees(new BatchCounts(b.batchId(), (long) b.totalFiles(), b.processedFiles(), b.failedFiles(), b.s3Key(),
                            b.node(), true));
                }
            }
            if (agree && redis.llen(QueueKeys.unpack().dead()) >= 3 && redis.llen(QueueKeys.transcribe(NODE).dead()) >= 2) {
                return;
            }
            Thread.sleep(1_000);
        }
    }

    /**
     * The next system: takes every result event off {@code queue:results} as it comes (BRPOP), reconnecting when
     * Redis restarts, as a downstream consumer does. What it took is what was delivered.
     */
    static final class ResultsConsumer {
        private final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        private final String url;
        private final Thread thread;
        private volatile boolean running = true;

        ResultsConsumer(String url) {
            this.url = url;
            this.thread = new Thread(this::consume, "results-consumer");
            thread.setDaemon(true);
            thread.start();
        }

        private void consume() {
            while (running) {
                try (UnifiedJedis redis = RedisConnector.connect(RedisConfig.from(new Env(Map.of("REDIS_URL", url))), 1)) {
                    while (running) {
                        List<String> got = redis.brpop(1, "queue:results");
                        if (got != null && got.size() == 2) {
                            events.add(got.get(1));
                        }
                    }
                } catch (Exception redisAway) {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        /** Takes what is left on the list, then stops. */
        void drainAndStop() throws Exception {
            if (!running) {
                return;
            }
            running = false;
            thread.join(10_000);
            try (UnifiedJedis redis = RedisConnector.connect(RedisConfig.from(new Env(Map.of("REDIS_URL", url))), 1)) {
                String raw;
                while ((raw = redis.rpop("queue:results")) != null) {
                    events.add(raw);
                }
            }
        }

        List<String> events() {
            return List.copyOf(events);
        }
    }

    private final int batches = Integer.getInteger("chaos.batches", 10);
    private final int files = Integer.getInteger("chaos.files", 20);
    private final long seed = Long.getLong("chaos.seed", 42);
    private final int faultEvery = Integer.getInteger("chaos.faultEverySeconds", 5);
    private final Duration timeout = Duration.ofMinutes(Integer.getInteger("chaos.timeoutMinutes", 12));
    private final Map<Fault, Integer> injected = new LinkedHashMap<>();

    @Test
    void theGuaranteesHoldThroughCrashesRestartsAndOutages() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Path staging = Files.createDirectories(tmp.resolve("staging"));
        Map<String, Path> archives = makeArchives(Files.createDirectories(tmp.resolve("audio")), Files.createDirectories(tmp.resolve("archives")));
        Random random = new Random(seed);

        Path logs = Files.createDirectories(ChildProgram.projectRoot().resolve("reliability/target/chaos-logs"));
        try (EmbeddedRedis redisServer = new EmbeddedRedis(Files.createDirectories(tmp.resolve("redis")));
             EmbeddedPostgres postgres = EmbeddedPostgres.create(logs.resolve("postgres.log")).orElse(null);
             EmbeddedS3 s3 = EmbeddedS3.temporary();
             ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET))) {
            store.createBucketIfMissing();
            Map<String, String> servers = new HashMap<>(TestServers.env());
            if (postgres != null) {
                servers.put("DATABASE_URL", postgres.jdbcUrl());
                servers.put("DATABASE_USER", "postgres");
                servers.remove("DATABASE_PASSWORD");
            } else {
                log("no PostgreSQL server binaries here: the database is the test server, and it is not crashed");
            }
            servers.putAll(s3.env(BUCKET));
            servers.put("REDIS_URL", redisServer.url());
            Map<String, String> env = LocalPipeline.env(servers, NODE, scratch, staging, inbox);
            env.put("TRANSFER_CLAIM_TTL", "15s");
            env.put("UNPACK_CONVERT_THREADS", "2");
            env.put("VISIBILITY_TIMEOUT", "6s");
            env.put("MAX_ATTEMPTS", "25");
            env.put("RETRY_BASE_DELAY", "500ms");
            env.put("RETRY_MAX_DELAY", "5s");
            env.put("SHUTDOWN_GRACE_PERIOD", "90s");
            env.put("TRANSCRIBE_TIMEOUT", "60s");
            env.put("DATABASE_POOL_SIZE", "4");
            env.put("JAVA_OPTS", "-Xmx200m -XX:TieredStopAtLevel=1");
            try (UnifiedJedis redis = RedisConnector.connect(RedisConfig.from(new Env(Map.of("REDIS_URL", redisServer.url()))), 4);
                 Database db = openDatabase(postgres, env);
                 Topology node = new Topology(env, logs)) {
                node.start("transfer-worker", 1);
                node.start("unpack-worker", 2);
                node.start("gpu-worker", 2);
                plantPoison(redis, store, scratch);
                // the poison is dead-lettered (and recorded in the database) before any fault: a Redis that loses it
                // while it still waits on its queue loses what only Redis ever held
                awaitDeadLetters(redis, 3, 2);
                ResultsConsumer consumer = new ResultsConsumer(redisServer.url());
                consumers.add(consumer);
                for (Path archive : archives.values()) {
                    Files.copy(archive, inbox.resolve(archive.getFileName()));
                }

                Instant started = Instant.now();
                Instant deadline = started.plus(timeout);
                AtomicBoolean done = new AtomicBoolean();
                while (!done.get() && Instant.now().isBefore(deadline)) {
                    sleepUntilNextFault(random, db, archives.size(), done);
                    restartUnavailable(node);
                    if (!done.get()) {
                        inject(random, node, redisServer, postgres, s3);
                    }
                }
                waitForAll(db, archives.size(), deadline);
                restartUnavailable(node);
                waitForDelivery(db, deadline);
                // copies of settled jobs that a Redis restored from a snapshot handed out again are acked without work
                // by the running workers; wait for them before the final stop, which gives unfinished jobs back
                awaitQueuesDrained(redisServer.url(), deadline);
                consumer.drainAndStop();
                double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
                List<String> unclean = node.stopAll();

                Report report = new Report();
                report.check("graceful stop: every worker exited 0 on SIGTERM at the end", unclean.isEmpty(), unclean.toString());
                // a fresh client: the pooled connections of the first one died with the Redis restarts
                try (UnifiedJedis checker = RedisConnector.connect(RedisConfig.from(new Env(Map.of("REDIS_URL", redisServer.url()))), 4)) {
                    awaitMirror(db, checker);
                    checkInvariants(report, db, store, checker, scratch, staging, archives, consumer);
                }
                System.out.println(report.render(injected, archives.size(), batches * files + 1, seconds));
                assertThat(report.failures()).as(report.render(injected, archives.size(), batches * files + 1, seconds)).isEmpty();
            }
        }
    }

    /** The test's own pool on the database the workers use, with the schema applied and no rows. */
    private static Database openDatabase(EmbeddedPostgres postgres, Map<String, String> env) throws Exception {
        if (postgres == null) {
            return TestServers.freshDatabase();
        }
        Database db = new Database(DatabaseConfig.from(new Env(env)), "chaos-checker");
        db.applySchema();
        return db;
    }

    private Map<String, Path> makeArchives(Path audio, Path out) throws Exception {
        List<Path> clips = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            String sentence = WORDS[i % 10] + " " + WORDS[(i * 3 + 1) % 10] + " " + WORDS[(i * 7 + 2) % 10] + " " + WORDS[(i + 5) % 10];
            Path wav = AudioFixtures.speech(sentence, audio.resolve(i + ".wav"));
            clips.add(AudioFixtures.encode(wav, audio.resolve(i + ".mp3")));
        }
        Path corrupt = Files.write(audio.resolve("corrupt.mp3"), "this is not audio at all ".repeat(200).getBytes());
        Map<String, Path> archives = new LinkedHashMap<>();
        for (int b = 0; b < batches; b++) {
            ArchiveBuilder builder = new ArchiveBuilder();
            for (int i = 0; i < files; i++) {
                builder.file("batch-" + b + "/speaker-" + (i % 3) + "/clip-" + i + ".mp3", clips.get(i));
            }
            if (b == 0) {
                builder.file("batch-0/corrupt.mp3", corrupt);
            }
            String name = "chaos-" + b + ".tar.gz";
            archives.put(name, builder.writeTarGz(out.resolve(name)));
        }
        return archives;
    }

    /** The hostile jobs that must end in the dead-letter lists, with clear reasons, and nothing else. */
    private void plantPoison(UnifiedJedis redis, ObjectStore store, Path scratch) throws Exception {
        JobCodec codec = new JobCodec();
        redis.lpush("queue:unpack", "{\"batch_id\": 12, \"s3_key\": [1], \"original_filename\": true, \"transferred_at\": \"x\"}");
        redis.lpush("queue:unpack", codec.encode(new UnpackJob("20240101-000000-000001", "archives/x.tar", "y".repeat(5000), Instant.now(), null, null)));
        redis.lpush("queue:unpack", codec.encode(new UnpackJob("20240101-000000-000002", "archives/20240101-000000-000002.tar", "missing.tar",
                Instant.now(), null, null)));
        String transcribe = QueueKeys.transcribe(NODE).main();
        redis.lpush(transcribe, codec.encode(new TranscriptionJob("20240101-000000-000003", "/etc/passwd", "passwd", null, null)));
        redis.lpush(transcribe, codec.encode(new TranscriptionJob("20240101-000000-000004",
                scratch.resolve("20240101-000000-000004/opus/x.opus").toString(), "x.mp3", null, null)));
    }

    private void sleepUntilNextFault(Random random, Database db, int expected, AtomicBoolean done) throws Exception {
        long wait = (faultEvery / 2 + random.nextInt(faultEvery)) * 1000L;
        long until = System.currentTimeMillis() + wait;
        while (System.currentTimeMillis() < until) {
            if (completedBatches(db) >= expected) {
                done.set(true);
                return;
            }
            Thread.sleep(500);
        }
    }

    /** A worker started while a server was down exits 69 by design; systemd starts it again, and so does the test. */
    private void restartUnavailable(Topology node) throws Exception {
        for (String worker : node.restartUnavailable()) {
            log(worker + " had exited 69 (a server was down while it started): started again, as systemd's Restart=on-failure does");
        }
    }

    private void inject(Random random, Topology node, EmbeddedRedis redis, EmbeddedPostgres postgres, EmbeddedS3 s3) throws Exception {
        List<Fault> possible = new ArrayList<>(List.of(Fault.values()));
        if (postgres == null) {
            possible.remove(Fault.DATABASE_CRASH);
        }
        // every kind of fault comes once (in an order the seed chooses) before any comes at random
        List<Fault> notYet = possible.stream().filter(f -> !injected.containsKey(f)).toList();
        Fault fault = notYet.isEmpty() ? possible.get(random.nextInt(possible.size())) : notYet.get(random.nextInt(notYet.size()));
        injected.merge(fault, 1, Integer::sum);
        switch (fault) {
            case KILL_WORKER -> {
                Topology.Slot victim = node.pick(random, "transfer-worker", "unpack-worker", "gpu-worker");
                log("kill -9 " + victim.program() + " pid " + victim.process().pid());
                victim.process().kill();
                node.replace(victim);
            }
            case SIGTERM_WORKER -> {
                Topology.Slot victim = node.pick(random, "transfer-worker", "unpack-worker", "gpu-worker");
                log("SIGTERM " + victim.program() + " pid " + victim.process().pid());
                int code = victim.process().terminate(180);
                boolean neverStarted = code == 69 && victim.process().output().contains("cannot start:");
                if (neverStarted) {
                    log(victim.program() + " had not started (a server was down while it started, exit 69): started again");
                } else if (code != 0) {
                    throw new AssertionError(victim.program() + " exited " + code + " after SIGTERM; log " + victim.process().logFile());
                }
                node.replace(victim);
            }
            case KILL_BRIDGE -> {
                Topology.Slot gpu = node.pick(random, "gpu-worker");
                ProcessHandle.of(gpu.process().pid()).ifPresent(h -> h.descendants()
                        .filter(d -> d.info().commandLine().orElse("").contains("_bridge.py"))
                        .forEach(d -> {
                            log("kill -9 bridge pid " + d.pid() + " of gpu-worker " + gpu.process().pid());
                            d.destroyForcibly();
                        }));
            }
            case S3_OUTAGE -> {
                log("S3 down for 4s");
                s3.stop();
                Thread.sleep(4_000);
                s3.start();
            }
            case DATABASE_CRASH -> {
                log("PostgreSQL crashed (every backend killed, no checkpoint), down for 3s, then crash recovery");
                postgres.crash();
                Thread.sleep(3_000);
                postgres.start();
            }
            case REDIS_RESTART -> {
                log("Redis killed and restarted from its AOF");
                redis.kill();
                Thread.sleep(1_000);
                redis.start();
            }
            case REDIS_LOSES_EVERY_KEY -> {
                log("Redis killed and restarted with every key lost (no persistence)");
                redis.restartEmpty();
            }
            case REDIS_OLDER_SNAPSHOT -> {
                Path snapshot = redis.snapshot(tmp.resolve("snapshot.rdb"));
                Thread.sleep(3_000);
                log("Redis killed and restarted from a snapshot taken 3 s earlier");
                redis.restartFrom(snapshot);
            }
        }
    }

    /** Until the relays have published every result event (or the deadline's grace runs out). */
    private static void waitForDelivery(Database db, Instant deadline) throws Exception {
        while (Instant.now().isBefore(deadline.plusSeconds(180))) {
            try {
                if (db.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE published_at IS NULL").mapTo(Long.class).one()) == 0) {
                    return;
                }
            } catch (Exception e) {
                // a connection that died with a crash: ask again
            }
            Thread.sleep(1_000);
        }
    }

    private void waitForAll(Database db, int expected, Instant deadline) throws Exception {
        while (completedBatches(db) < expected && Instant.now().isBefore(deadline.plusSeconds(120))) {
            Thread.sleep(1_000);
        }
    }

    /** Completed batches so far; -1 when the database does not answer (a connection that died with a crash). */
    private static long completedBatches(Database db) throws Exception {
        try {
            return db.withHandle(h -> h.createQuery("SELECT count(*) FROM batches WHERE status = 'completed' AND original_filename LIKE 'chaos-%'")
                    .mapTo(Long.class).one());
        } catch (SQLException e) {
            log("progress query failed: " + e.getMessage());
            return -1;
        }
    }

    private void checkInvariants(Report report, Database db, ObjectStore store, UnifiedJedis redis, Path scratch, Path staging,
                                 Map<String, Path> archives, ResultsConsumer consumer) throws Exception {
        BatchRepository batchRows = new BatchRepository(db);
        AudioFileRepository fileRows = new AudioFileRepository(db);
        TranscriptRepository transcripts = new TranscriptRepository(db);
        BatchTracker tracker = new BatchTracker(redis);
        List<BatchRecord> ours = new ArrayList<>();
        for (BatchRecord b : allBatches(db, batchRows)) {
            if (archives.containsKey(b.originalFilename())) {
                ours.add(b);
            }
        }
        report.check("every archive became exactly one batch", ours.size() == archives.size(), ours.size() + " batches for " + archives.size());
        int rowsOk = 0;
        int transcriptsOk = 0;
        int objectsOk = 0;
        int objects = 0;
        int countsOk = 0;
        List<String> problems = new ArrayList<>();
        for (BatchRecord b : ours) {
            List<AudioFileRecord> rows = fileRows.byBatch(b.batchId());
            int expectedRows = files + (b.originalFilename().equals("chaos-0.tar.gz") ? 1 : 0);
            if (rows.size() == expectedRows) {
                rowsOk++;
            } else {
                problems.add(b.batchId() + ": " + rows.size() + " audio_files rows, expected " + expectedRows);
            }
            long completed = 0;
            long failed = 0;
            for (AudioFileRecord f : rows) {
                if (f.completed()) {
                    completed++;
                    if (transcripts.find(f.audioId()).isPresent()) {
                        transcriptsOk++;
                    } else {
                        problems.add(f.originalFilename() + ": no transcript");
                    }
                    objects++;
                    Path copy = Files.createTempFile(tmp, "obj", ".opus");
                    Files.delete(copy);
                    try {
                        store.download(f.s3Key(), copy, f.sizeBytes(), f.sha256(), TransferProgress.NONE);
                        if (Checksums.sha256(copy).equals(f.sha256())) {
                            objectsOk++;
                        }
                    } catch (Exception e) {
                        problems.add(f.s3Key() + ": " + e.getMessage());
                    }
                } else if ("failed".equals(f.status())) {
                    failed++;
                    if (!f.originalFilename().endsWith("corrupt.mp3")) {
                        problems.add(f.originalFilename() + " failed: " + f.error());
                    }
                }
            }
            BatchCounts counts = tracker.counts(b.batchId());
            boolean agree = "completed".equals(b.status()) && counts.total() != null && counts.processed() + counts.failed() == counts.total()
                    && counts.total() == rows.size() && counts.processed() == completed && counts.failed() == failed
                    && b.processedFiles() == completed && b.failedFiles() == failed;
            if (agree) {
                countsOk++;
            } else {
                problems.add(b.batchId() + ": status " + b.status() + ", keys " + counts + ", row processed/failed " + b.processedFiles() + "/"
                        + b.failedFiles() + ", files completed/failed " + completed + "/" + failed);
            }
        }
        report.check("every recording has exactly one audio_files row", rowsOk == ours.size(), problems.toString());
        report.check("every transcribed recording has its transcript", transcriptsOk == objects, problems.toString());
        report.check("every processed Opus object exists in S3 and matches its SHA-256 (" + objects + " objects)",
                objectsOk == objects && objects > 0, problems.toString());
        report.check("every batch completed; processed + failed == total; keys agree with the database", countsOk == ours.size(),
                problems.toString());
        report.check("only the corrupt recording failed", problems.stream().noneMatch(p -> p.contains(" failed: ")), problems.toString());

        QueueInspector inspector = new QueueInspector(redis, new JobCodec().mapper());
        List<String> busy = new ArrayList<>();
        for (String name : inspector.queueNames()) {
            if (name.equals("results")) {
                continue; // the results handed on, waiting for the next system: checked below
            }
            QueueStats s = inspector.stats(new QueueKeys(name));
            if (s.waiting() + s.inFlight() + s.delayed() > 0) {
                busy.add(s.toString());
            }
        }
        report.check("no job waiting, in flight or delayed", busy.isEmpty(), busy.toString());
        checkDelivery(report, db, consumer.events(), ours);
        List<DeadLetter> deadUnpack = new DeadLetters(redis, QueueKeys.unpack(), new JobCodec().mapper()).list(0, 100);
        List<DeadLetter> deadTranscribe = new DeadLetters(redis, QueueKeys.transcribe(NODE), new JobCodec().mapper()).list(0, 100);
        boolean poisonOnly = deadUnpack.size() == 3 && deadTranscribe.size() == 2
                && deadUnpack.stream().anyMatch(d -> d.error().startsWith("malformed payload: field 'batch_id'"))
                && deadUnpack.stream().anyMatch(d -> d.error().startsWith("malformed payload: original_filename is 5000 characters"))
                && deadUnpack.stream().anyMatch(d -> d.error().startsWith("s3_key archives/20240101-000000-000002.tar does not exist"))
                && deadTranscribe.stream().anyMatch(d -> d.error().contains("is outside SCRATCH_ROOT"))
                && deadTranscribe.stream().anyMatch(d -> d.error().startsWith("'x.mp3' is not a file the hand-off of batch 20240101-000000-000004"));
        report.check("dead-letter lists hold exactly the planted poison jobs, each with a clear reason", poisonOnly,
                deadUnpack.stream().map(DeadLetter::error).toList() + " " + deadTranscribe.stream().map(DeadLetter::error).toList());
        try (Stream<Path> left = Files.list(scratch)) {
            List<String> dirs = left.map(p -> p.getFileName().toString()).toList();
            report.check("no scratch dir left", dirs.isEmpty(), dirs.toString());
        }
        try (Stream<Path> left = Stream.concat(Files.walk(scratch), Files.walk(staging))) {
            List<String> parts = left.filter(p -> p.toString().endsWith(".part") || (Files.isRegularFile(p) && p.startsWith(staging)))
                    .map(Path::toString).toList();
            report.check("no .part or staged file left", parts.isEmpty(), parts.toString());
        }
    }

    /**
     * Every recording's result event is on the results queue, exactly one event id per recording (copies
     * only of the same event), one batch.completed per batch, and no event names a recording that does not exist.
     */
    private static void checkDelivery(Report report, Database db, List<String> consumed, List<BatchRecord> ours) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, com.fasterxml.jackson.databind.JsonNode> delivered = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (String raw : consumed) {
            com.fasterxml.jackson.databind.JsonNode e = json.readTree(raw);
            com.fasterxml.jackson.databind.JsonNode before = delivered.putIfAbsent(e.path("id").asText(), e);
            if (before != null && !before.equals(e)) {
                problems.add("two different events share id " + e.path("id").asText());
            }
        }
        Set<String> recordings = new java.util.HashSet<>(db.withHandle(h -> h.createQuery("SELECT audio_id::text FROM audio_files")
                .mapTo(String.class).list()));
        Map<String, Long> fileEvents = new HashMap<>();
        Map<String, Long> completions = new HashMap<>();
        for (com.fasterxml.jackson.databind.JsonNode e : delivered.values()) {
            String type = e.path("type").asText();
            if (type.startsWith("file.")) {
                String audio = e.path("audio_id").asText();
                if (!recordings.contains(audio)) {
                    problems.add(type + " for a recording that does not exist: " + audio);
                }
                fileEvents.merge(audio, 1L, Long::sum);
            } else if (type.equals("batch.completed")) {
                completions.merge(e.path("batch_id").asText(), 1L, Long::sum);
            }
        }
        long expectedFiles = 0;
        for (BatchRecord b : ours) {
            for (String audio : db.withHandle(h -> h.createQuery("SELECT audio_id::text FROM audio_files WHERE batch_id = :b")
                    .bind("b", b.batchId()).mapTo(String.class).list())) {
                expectedFiles++;
                if (fileEvents.getOrDefault(audio, 0L) != 1) {
                    problems.add(audio + " of batch " + b.batchId() + ": " + fileEvents.getOrDefault(audio, 0L) + " file events");
                }
            }
            if (completions.getOrDefault(b.batchId(), 0L) != 1) {
                problems.add("batch " + b.batchId() + ": " + completions.getOrDefault(b.batchId(), 0L) + " batch.completed events");
            }
        }
        report.check("every recording's result event delivered once (" + expectedFiles + " recordings, " + delivered.size()
                + " events taken from queue:results by its consumer), one batch.completed per batch, none for a recording that does not exist", problems.isEmpty(),
                problems.toString());
    }

    private static List<BatchRecord> allBatches(Database db, BatchRepository rows) throws Exception {
        List<String> ids = db.withHandle(h -> h.createQuery("SELECT batch_id FROM batches").mapTo(String.class).list());
        List<BatchRecord> out = new ArrayList<>();
        for (String id : ids) {
            out.add(rows.find(id).orElseThrow());
        }
        return out;
    }

    private static void log(String what) {
        System.out.println("[chaos " + Instant.now() + "] " + what);
    }

    /** Invariant results, printed as a table. */
    static final class Report {
        private final Map<String, Boolean> results = new LinkedHashMap<>();
        private final Map<String, String> details = new HashMap<>();

        void check(String invariant, boolean held, String detail) {
            results.put(invariant, held);
            if (!held) {
                details.put(invariant, detail.length() > 2000 ? detail.substring(0, 2000) + "..." : detail);
            }
        }

        List<String> failures() {
            return results.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
        }

        String render(Map<Fault, Integer> faults, int batches, int recordings, double seconds) {
            StringBuilder out = new StringBuilder("\nCHAOS REPORT\n");
            out.append(String.format("batches %d, recordings %d, wall time %.0f s%n", batches, recordings, seconds));
            out.append("faults injected: ").append(faults).append(" (total ")
                    .append(faults.values().stream().mapToInt(Integer::intValue).sum()).append(")\n");
            out.append("| invariant | held |\n|---|---|\n");
            results.forEach((k, v) -> out.append("| ").append(k).append(" | ").append(v ? "yes" : "NO: " + details.get(k)).append(" |\n"));
            return out.toString();
        }
    }

}
