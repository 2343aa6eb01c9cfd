package io.audiopipeline.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.app.Launcher;
import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RuntimeConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.StoredObject;
import io.audiopipeline.sandbox.RandomFiles;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.common.testing.ServerFixture;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.common.queue.QueueInspector;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.worker.WorkerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

class TransferWorkerIT {
    private static final String BUCKET = "transfer-it";
    private static ServerFixture servers;
    private static EmbeddedS3 s3;
    private static ObjectStore store;
    private static UnifiedJedis redis;
    private final ObjectMapper json = new ObjectMapper();
    private Database db;

    @TempDir
    Path tmp;
    Path inbox;
    Path staging;

    @BeforeAll
    static void servers() throws Exception {
        servers = ServerFixture.start(BUCKET);
        s3 = servers.s3;
        store = servers.store;
        redis = servers.redis;
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @BeforeEach
    void clean() throws Exception {
        db = servers.reset();
        inbox = Files.createDirectories(tmp.resolve("inbox"));
        staging = tmp.resolve("staging");
    }

    @AfterEach
    void closeDb() {
        db.close();
    }

    private Map<String, String> env(String source) {
        Map<String, String> env = new HashMap<>(servers.env());
        env.put("TRANSFER_SOURCE", source);
        env.put("STAGING_DIR", staging.toString());
        env.put("TRANSFER_POLL_INTERVAL", "1s");
        env.put("NODE_NAME", "transfer-test");
        return env;
    }

    private int runOnce(Map<String, String> env) {
        return Launcher.run("transfer-worker", () -> TransferWorkerMain.run(new String[] {"--once"}, new Env(env)));
    }


    private List<JsonNode> unpackJobs() throws Exception {
        List<JsonNode> jobs = new ArrayList<>();
        for (String raw : redis.lrange("queue:unpack", 0, -1)) {
            jobs.add(json.readTree(raw));
        }
        return jobs;
    }

    private void assertTransferred(Path source, JsonNode job) throws Exception {
        Set<String> fields = new HashSet<>();
        job.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactlyInAnyOrder("batch_id", "s3_key", "original_filename", "transferred_at", "size_bytes", "sha256");
        String batchId = job.get("batch_id").asText();
        assertThat(batchId).matches("\\d{8}-\\d{6}-[0-9a-f]{6}");
        assertThat(job.get("original_filename").asText()).isEqualTo(source.getFileName().toString());
        assertThat(job.get("s3_key").asText()).isEqualTo("archives/" + batchId + ".tar.gz");
        String sha = Checksums.sha256(source);
        assertThat(job.get("sha256").asText()).isEqualTo(sha);
        assertThat(job.get("size_bytes").asLong()).isEqualTo(Files.size(source));
        StoredObject object = store.head(job.get("s3_key").asText()).orElseThrow();
        // a single PUT carries the SHA-256 as metadata; a multipart upload of a source read once cannot (its hash is known
        // at the end): the job, the row and the bytes carry it
        assertThat(object.sha256()).isIn(null, sha);
        Path back = tmp.resolve("back-" + batchId);
        store.download(object.key(), back, null, null, io.audiopipeline.common.storage.TransferProgress.NONE);
        assertThat(Checksums.sha256(back)).isEqualTo(sha);
        BatchRecord row = new BatchRepository(db).find(batchId).orElseThrow();
        assertThat(row.status()).isEqualTo("queued");
        assertThat(row.sha256()).isEqualTo(sha);
    }

    private List<String> stagedFiles() throws Exception {
        if (!Files.exists(staging)) {
            return List.of();
        }
        try (var files = Files.list(staging)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void anArchiveInALocalInboxIsUploadedAndEnqueuedOnceAndAKeptSourceIsNeverSentAgain() throws Exception {
        Path source = RandomFiles.write(inbox.resolve("calls-0622.tar.gz"), 300_000, 1);
        assertThat(runOnce(env(inbox.toUri().toString()))).isZero();
        List<JsonNode> jobs = unpackJobs();
        assertThat(jobs).hasSize(1);
        assertTransferred(source, jobs.get(0));
        assertThat(stagedFiles()).isEmpty();
        assertThat(source).as("TRANSFER_SOURCE_AFTER=keep").exists();

        // the kept source is never transferred again
        assertThat(runOnce(env(inbox.toUri().toString()))).isZero();
        assertThat(unpackJobs()).hasSize(1);
    }

    @Test
    void anArchiveAboveTheMultipartThresholdArrivesWholeAndItsSourceIsDeletedAfter() throws Exception {
        Path source = RandomFiles.write(inbox.resolve("big.tar.gz"), 13L * 1024 * 1024 + 7, 2);
        Path copy = Files.copy(source, tmp.resolve("big-copy.tar.gz"));
        Map<String, String> env = env(inbox.toUri().toString());
        env.put("S3_MULTIPART_THRESHOLD", "5MB");
        env.put("S3_MULTIPART_PART_SIZE", "5MB");
        env.put("TRANSFER_SOURCE_AFTER", "delete");
        assertThat(runOnce(env)).isZero();
        List<JsonNode> jobs = unpackJobs();
        assertThat(jobs).hasSize(1);
        assertThat(source).doesNotExist();
        Files.move(copy, source);
        assertTransferred(source, jobs.get(0));
    }

    @Test
    void s3DownMeansNothingEnqueuedAndTheLocalSourceIsReadAgainInPlaceAtTheRetry() throws Exception {
        Path source = RandomFiles.write(inbox.resolve("outage.tar.gz"), 200_000, 3);
        Map<String, String> env = env(inbox.toUri().toString());
        // a worker running while S3 goes away
        assertThat(runWith(env, null, true)).as("archives failed in that round").isEqualTo(1);
        assertThat(redis.llen("queue:unpack")).as("nothing enqueued while S3 was down").isZero();
        assertThat(stagedFiles()).as("a local source is never copied to staging").isEmpty();
        // the failure is visible to operators (pipeline status, the web view), whatever becomes of the worker
        List<java.util.Map<String, Object>> failed = db.withHandle(h -> h.createQuery(
                "SELECT name, attempts, error, resolved_at FROM transfer_failures").mapToMap().list());
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0)).containsEntry("name", "outage.tar.gz").containsEntry("attempts", 1).containsEntry("resolved_at", null);
        assertThat((String) failed.get(0).get("error")).isNotBlank();

        assertThat(runOnce(env(inbox.toUri().toString()))).isZero();
        List<JsonNode> jobs = unpackJobs();
        assertThat(jobs).hasSize(1);
        assertTransferred(source, jobs.get(0));
        assertThat(stagedFiles()).isEmpty();
        long resolved = db.withHandle(h -> h.createQuery("SELECT count(*) FROM transfer_failures WHERE resolved_at IS NOT NULL").mapTo(Long.class).one());
        assertThat(resolved).as("resolved once transferred").isEqualTo(1);
    }

    @Test
    void aLocalSourceThatChangesWhileItIsUploadedIsNeverPublishedAndIsTakenAgainOnceStable() throws Exception {
        Path source = RandomFiles.write(inbox.resolve("rewritten.tar.gz"), 12L * 1024 * 1024, 4);
        Map<String, String> env = env(inbox.toUri().toString());
        env.put("S3_MULTIPART_PART_SIZE", "5MB");
        List<StoredObject> archivesBefore = store.list("archives/");
        // the exporter appends to the file after the worker read its first megabyte
        assertThat(runWith(env, () -> Files.write(source, new byte[4096], StandardOpenOption.APPEND), false))
                .as("archives failed in that round").isEqualTo(1);
        assertThat(redis.llen("queue:unpack")).as("nothing published for a source that changed").isZero();
        assertThat(store.list("archives/")).as("what was read is not left in the store").isEqualTo(archivesBefore);

        assertThat(runOnce(env)).isZero();
        List<JsonNode> jobs = unpackJobs();
        assertThat(jobs).as("the stable version, once").hasSize(1);
        assertTransferred(source, jobs.get(0));
    }

    /**
     * Runs one --once round of a worker wired to this S3 server: with the server stopped when {@code s3Down},
     * and {@code duringRead} run once as soon as the worker has read the first megabyte of a source.
     */
    private int runWith(Map<String, String> env, IoAction duringRead, boolean s3Down) throws Exception {
        Env e = new Env(env);
        TransferConfig config = TransferConfig.from(e);
        try (ObjectStore liveStore = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             Database database = new Database(DatabaseConfig.from(e), "t");
             ExportSource source = interfering(TransferWorkerMain.openSource(config), duringRead)) {
            TransferPoller poller = TransferAssembly.poller(config, RuntimeConfig.from(e, 0, 1), "t", redis, database, liveStore, source,
                    new WorkerStatus("t", "transfer-test", "transfer", Clock.systemUTC()), new PrometheusRegistry(), Clock.systemUTC());
            if (s3Down) {
                s3.stop();
            }
            try {
                return poller.runOnce(Duration.ofMillis(500));
            } finally {
                s3.start();
            }
        }
    }

    interface IoAction {
        void run() throws java.io.IOException;
    }

    /** The source as it is, except that reading a file runs {@code duringRead} (once) after its first megabyte. */
    private static ExportSource interfering(ExportSource source, IoAction duringRead) {
        if (duringRead == null) {
            return source;
        }
        return (ExportSource) java.lang.reflect.Proxy.newProxyInstance(ExportSource.class.getClassLoader(), new Class<?>[] {ExportSource.class},
                (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(source, args);
                    } catch (java.lang.reflect.InvocationTargetException ex) {
                        throw ex.getCause();
                    }
                    if (!method.getName().equals("open")) {
                        return result;
                    }
                    java.io.InputStream in = (java.io.InputStream) result;
                    return new java.io.FilterInputStream(in) {
                        private long read;
                        private boolean done;

                        @Override
                        public int read(byte[] b, int off, int len) throws java.io.IOException {
                            int n = super.read(b, off, len);
                            read += Math.max(0, n);
                            if (!done && read >= 1 << 20) {
                                done = true;
                                duringRead.run();
                            }
                            return n;
                        }
                    };
                });
    }

    @Test
    void aWorkerWithASmallHeapUploadsAnArchiveOfManyPartsWithoutRunningOutOfMemory() throws Exception {
        // 96 MB of heap; 8 parts of 8 MB in flight would need more than all of it
        Path source = RandomFiles.write(inbox.resolve("large.tar.gz"), 72L * 1024 * 1024, 11);
        Map<String, String> env = env(inbox.toUri().toString());
        env.put("JAVA_OPTS", "-Xmx96m");
        env.put("S3_MULTIPART_PART_SIZE", "8MB");
        env.put("S3_MULTIPART_THRESHOLD", "8MB");
        env.put("S3_UPLOAD_CONCURRENCY", "8");
        try (ChildProgram worker = ChildProgram.start("transfer-worker", env, tmp.resolve("logs"), "--once")) {
            assertThat(worker.waitFor(300)).as("transfer-worker --once; log %s", worker.logFile()).isZero();
            assertThat(worker.output()).doesNotContain("OutOfMemoryError");
        }
        List<JsonNode> jobs = unpackJobs();
        assertThat(jobs).hasSize(1);
        assertTransferred(source, jobs.get(0));
    }

    @Test
    void aRunningTransferWorkerIsListedAsFeedingTheUnpackQueueAndLeavesWhenStopped() throws Exception {
        Map<String, String> env = env(inbox.toUri().toString());
        env.put("HTTP_PORT", "0");
        QueueInspector inspector = new QueueInspector(redis, json);
        try (ChildProgram worker = ChildProgram.start("transfer-worker", env, tmp.resolve("logs"))) {
            await().atMost(Duration.ofMinutes(1)).until(() -> !inspector.liveProducers(QueueKeys.unpack()).isEmpty());
            JsonNode beat = json.readTree(inspector.liveProducers(QueueKeys.unpack()).get(0));
            assertThat(beat.get("kind").asText()).isEqualTo("transfer");
            assertThat(beat.get("node").asText()).isEqualTo("transfer-test");
            assertThat(beat.get("pid").asLong()).isEqualTo(worker.pid());
            assertThat(inspector.liveWorkers(QueueKeys.unpack())).as("it feeds the queue, it does not consume it").isEmpty();

            assertThat(worker.terminate(60)).isZero();
        }
        assertThat(inspector.liveProducers(QueueKeys.unpack())).isEmpty();
        assertThat(redis.smembers(QueueKeys.unpack().producers())).isEmpty();
    }

    @Test
    void twoWorkersRacingOverTwentyArchivesTransferEachExactlyOnce() throws Exception {
        List<Path> sources = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sources.add(RandomFiles.write(inbox.resolve("race-" + i + ".tar.gz"), 50_000 + i, 100 + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Integer>> runs = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            runs.add(pool.submit(() -> runOnce(env(inbox.toUri().toString()))));
        }
        for (Future<Integer> run : runs) {
            assertThat(run.get()).isZero();
        }
        pool.shutdown();
        List<JsonNode> jobs = unpackJobs();
        assertThat(jobs).hasSize(20);
        assertThat(jobs).extracting(j -> j.get("original_filename").asText()).doesNotHaveDuplicates();
        assertThat(jobs).extracting(j -> j.get("batch_id").asText()).doesNotHaveDuplicates();
        for (JsonNode job : jobs) {
            assertTransferred(inbox.resolve(job.get("original_filename").asText()), job);
        }
    }

    @Test
    void aFileStillGrowingIsNotTaken() throws Exception {
        Path growing = inbox.resolve("growing.tar.gz");
        Files.write(growing, new byte[1000]);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try {
                while (writing.get()) {
                    Files.write(growing, new byte[100], StandardOpenOption.APPEND);
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        try {
            assertThat(runOnce(env(inbox.toUri().toString()))).isZero();
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(redis.llen("queue:unpack")).isZero();
        // once it stops growing it is taken
        assertThat(runOnce(env(inbox.toUri().toString()))).isZero();
        assertThat(redis.llen("queue:unpack")).isEqualTo(1);
    }

    @Test
    void withAMarkerRequiredOnlyMarkedFilesAreTakenAndOthersAreIgnored() throws Exception {
        RandomFiles.write(inbox.resolve("a.tar.gz"), 1000, 5);
        RandomFiles.write(inbox.resolve("b.tar.gz"), 1000, 6);
        Files.writeString(inbox.resolve("notes.txt"), "not an archive");
        Files.createFile(inbox.resolve("a.tar.gz.done"));
        Map<String, String> env = env(inbox.toUri().toString());
        env.put("TRANSFER_REQUIRE_MARKER", "true");
        assertThat(runOnce(env)).isZero();
        assertThat(unpackJobs()).extracting(j -> j.get("original_filename").asText()).containsExactly("a.tar.gz");
    }

    @Test
    void anArchiveOnAnSftpHostWithAKnownHostKeyIsTransferredAndMovedToDone() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("sftp-root"));
        Path exports = Files.createDirectories(root.resolve("exports"));
        Path source = RandomFiles.write(exports.resolve("remote.tar.gz"), 400_000, 7);
        try (SftpTestServer sftp = new SftpTestServer(root)) {
            Map<String, String> env = env("sftp://" + SftpTestServer.USER + "@127.0.0.1:" + sftp.port() + "/exports");
            env.put("TRANSFER_SSH_KEY", sftp.writeClientKey(tmp.resolve("id_rsa")).toString());
            env.put("TRANSFER_KNOWN_HOSTS", sftp.writeKnownHosts(tmp.resolve("known_hosts")).toString());
            env.put("TRANSFER_SOURCE_AFTER", "move:done");
            assertThat(runOnce(env)).isZero();
            List<JsonNode> jobs = unpackJobs();
            assertThat(jobs).hasSize(1);
            assertThat(exports.resolve("done/remote.tar.gz")).exists();
            Files.move(exports.resolve("done/remote.tar.gz"), source);
            assertTransferred(source, jobs.get(0));
        }
    }

    @Test
    void anSftpArchiveWhoseUploadFailsIsStagedWholeAndTheRetryUploadsTheStagedCopy() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("sftp-root"));
        Path source = RandomFiles.write(Files.createDirectories(root.resolve("exports")).resolve("remote-outage.tar.gz"), 400_000, 9);
        try (SftpTestServer sftp = new SftpTestServer(root)) {
            Map<String, String> env = env("sftp://" + SftpTestServer.USER + "@127.0.0.1:" + sftp.port() + "/exports");
            env.put("TRANSFER_SSH_KEY", sftp.writeClientKey(tmp.resolve("id_rsa")).toString());
            env.put("TRANSFER_KNOWN_HOSTS", sftp.writeKnownHosts(tmp.resolve("known_hosts")).toString());
            // streamed to S3 while staged: S3 is down, so the download goes on to the end into staging
            assertThat(runWith(env, null, true)).as("archives failed in that round").isEqualTo(1);
            assertThat(redis.llen("queue:unpack")).as("nothing enqueued while S3 was down").isZero();
            assertThat(stagedFiles()).as("the whole archive is staged for the retry").hasSize(1).noneMatch(n -> n.endsWith(".part"));

            ListAppender<ILoggingEvent> logs = new ListAppender<>();
            logs.start();
            ((Logger) LoggerFactory.getLogger(ArchiveTransfer.class)).addAppender(logs);
            assertThat(runOnce(env)).isZero();
            List<JsonNode> jobs = unpackJobs();
            assertThat(jobs).hasSize(1);
            assertTransferred(source, jobs.get(0));
            assertThat(stagedFiles()).as("the staged copy goes once the job is on the queue").isEmpty();
            assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.startsWith("reusing staged copy of remote-outage.tar.gz"));
        }
    }

    @Test
    void anUnknownSftpHostKeyIsRefused() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("sftp-root"));
        RandomFiles.write(Files.createDirectories(root.resolve("exports")).resolve("remote.tar.gz"), 1000, 8);
        try (SftpTestServer sftp = new SftpTestServer(root)) {
            Map<String, String> env = env("sftp://" + SftpTestServer.USER + "@127.0.0.1:" + sftp.port() + "/exports");
            env.put("TRANSFER_SSH_KEY", sftp.writeClientKey(tmp.resolve("id_rsa")).toString());
            Path emptyKnownHosts = Files.writeString(tmp.resolve("known_hosts"), "");
            env.put("TRANSFER_KNOWN_HOSTS", emptyKnownHosts.toString());
            ListAppender<ILoggingEvent> logs = new ListAppender<>();
            logs.start();
            ((Logger) LoggerFactory.getLogger(TransferPoller.class)).addAppender(logs);
            assertThat(runOnce(env)).isEqualTo(1);
            assertThat(redis.llen("queue:unpack")).isZero();
            assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.contains("host key of 127.0.0.1:" + sftp.port() + " refused"));
        }
    }

    @Test
    void badConfigurationExits78WithOneLineNamingTheVariable() throws Exception {
        Path launcher = Path.of(System.getenv("PIPELINE_PROJECT_ROOT"), "bin", "transfer-worker");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--once").redirectErrorStream(false);
        pb.environment().putAll(env("ftp://nowhere/x"));
        Process p = pb.start();
        String stderr = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor()).isEqualTo(78);
        assertThat(stderr.strip().lines()).hasSize(1);
        assertThat(stderr).startsWith("transfer-worker: configuration error: TRANSFER_SOURCE: must be a URL with scheme");
    }

    @Test
    void anUnreachableServerAtStartIsOneLineAndExit69() throws Exception {
        Path launcher = Path.of(System.getenv("PIPELINE_PROJECT_ROOT"), "bin", "transfer-worker");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--once");
        pb.environment().putAll(env(inbox.toUri().toString()));
        pb.environment().put("REDIS_URL", "redis://127.0.0.1:1");
        Process p = pb.start();
        String stderr = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor()).isEqualTo(69);
        // besides the log of the effective configuration: one line, no stack trace
        assertThat(stderr.strip().lines().filter(l -> !l.matches("^\\d{4}-\\d{2}-\\d{2}T.*"))).containsExactly(
                "transfer-worker: cannot start: Redis at redis://127.0.0.1:1 is not reachable: Failed to connect to 127.0.0.1:1.");
    }
}
