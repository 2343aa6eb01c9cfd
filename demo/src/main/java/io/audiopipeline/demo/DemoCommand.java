package io.audiopipeline.demo;

import io.audiopipeline.cli.CliFailure;
import io.audiopipeline.cli.Connections;
import io.audiopipeline.cli.ProgressBar;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.LocalPipeline;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline once on this machine, on servers of its own (redis-server, a PostgreSQL cluster,",
                "S3Proxy, all under --data-dir; yours only when REDIS_URL, DATABASE_URL or S3_ENDPOINT are set): a sample",
                "archive of spoken English (or --archive), the transfer, unpack and GPU workers (CPU engine unless",
                "TRANSCRIBER says otherwise), live progress, the transcripts and a summary.",
                "Everything it starts is stopped when it ends, Ctrl-C included (--keep: the servers stay until Ctrl-C)."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--archive", paramLabel = "FILE", description = "an archive of your own recordings instead of the sample")
    Path archive;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the demo keeps S3 objects, scratch and logs (default: .demo)")
    Path dataDir;

    @Option(names = "--keep", description = "leave the demo's servers running afterwards (until Ctrl-C) and print how to connect to them")
    boolean keep;

    @Option(names = "--timeout", defaultValue = "10m", description = "give up after this long (default ${DEFAULT-VALUE})")
    String timeout;

    private static final long WORKER_STOP_SECONDS = 30;
    private static final long TRANSFER_LIMIT_SECONDS = 300;

    private final List<AutoCloseable> started = new ArrayList<>();
    private DemoServers keptServers;

    @Override
    public Integer call() throws Exception {
        Env env = Env.system();
        Path home = env.path("PIPELINE_HOME", Path.of(".")).toAbsolutePath().normalize();
        Path data = (dataDir != null ? dataDir : home.resolve(".demo")).toAbsolutePath();
        Duration limit = new Env(Map.of("T", timeout)).duration("T", Duration.ofMinutes(10), Duration.ofSeconds(10));
        Thread cleanup = new Thread(this::stopAll, "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return run(env, home, data, limit);
        } finally {
            stopAll();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private int run(Env env, Path home, Path data, Duration limit) throws Exception {
        DemoServers servers = DemoServers.start(env, Files.createDirectories(data), DemoCommand::step);
        if (keep) {
            keptServers = servers;
        } else {
            started.add(servers);
        }
        Map<String, String> childEnv = new HashMap<>(System.getenv());
        childEnv.putAll(servers.env());
        childEnv.remove("S3_REGION");
        Env demoEnv = new Env(childEnv);
        Connections base = prepared(demoEnv);
        ObjectStore store = bucket(demoEnv);

        Path inbox = fresh(data.resolve("inbox"));
        Path source = source(data);
        Files.copy(source, inbox.resolve(source.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path logs = data.resolve("logs");
        workerEnvironment(childEnv, home, data, inbox);
        step("starting the unpack and GPU workers (engine: " + childEnv.get("TRANSCRIBER") + "); logs in " + logs);
        List<ChildProgram> workers = List.of(child(ChildProgram.start(home, "unpack-worker", childEnv, false, logs)),
                child(ChildProgram.start(home, "gpu-worker", childEnv, false, logs)));

        Instant begin = Instant.now();
        String batchId = transfer(home, childEnv, logs, source, base.database(), begin);
        Duration firstTranscript = follow(base, batchId, begin, begin.plus(limit), workers, logs);
        int status = DemoReport.print(base.database(), store, batchId, Duration.between(begin, Instant.now()), firstTranscript);
        if (keep) {
            keepRunning(servers);
        }
        return status;
    }

    /** Redis and the database of the demo, reachable, with the schema applied. */
    private Connections prepared(Env demoEnv) throws SQLException {
        Connections base = new Connections(demoEnv);
        started.add(0, base);
        base.redis();
        base.database().applySchema();
        return base;
    }

    private ObjectStore bucket(Env demoEnv) {
        ObjectStore store = new ObjectStore(S3Config.from(demoEnv));
        started.add(0, store);
        store.createBucketIfMissing();
        return store;
    }

    /** {@code transfer-worker --once} over the inbox; returns the batch it made. */
    private String transfer(Path home, Map<String, String> childEnv, Path logs, Path source, Database db, Instant begin) throws Exception {
        step("transferring " + source.getFileName() + " (transfer-worker --once)");
        ChildProgram transfer = child(ChildProgram.start(home, "transfer-worker", childEnv, false, logs, "--once"));
        int transferred = transfer.waitFor(TRANSFER_LIMIT_SECONDS);
        if (transferred != 0) {
            throw new CliFailure("the transfer worker failed (exit " + transferred + "):\n" + transfer.logTail(15), 1);
        }
        String batchId = latestBatch(db, begin).orElseThrow(() -> new CliFailure("the transfer worker enqueued nothing; see " + transfer.logFile(), 1));
        step("batch " + batchId);
        return batchId;
    }

    /** The archive to run: the user's, or a sample of spoken English made here. */
    private Path source(Path data) throws Exception {
        if (archive != null) {
            if (!Files.isRegularFile(archive)) {
                throw new CliFailure(archive + " is not a file", 2);
            }
            return archive;
        }
        step("making a sample archive of spoken English (espeak-ng, ffmpeg)");
        return SampleArchive.create(fresh(data.resolve("sample")));
    }

    private static void workerEnvironment(Map<String, String> childEnv, Path home, Path data, Path inbox) throws Exception {
        String node = "demo-" + InetAddress.getLocalHost().getHostName().split("\\.")[0].replaceAll("[^A-Za-z0-9._-]", "-");
        Map<String, String> local = LocalPipeline.env(Map.of(), node, fresh(data.resolve("scratch")), fresh(data.resolve("staging")), inbox);
        local.put("SCRATCH_MIN_FREE_BYTES", "100MB");
        local.put("TRANSFER_SOURCE_AFTER", "keep");
        // the engine, the JVM's options and the disk threshold are the user's to choose
        for (String usersChoice : List.of("TRANSCRIBER", "JAVA_OPTS", "SCRATCH_MIN_FREE_BYTES")) {
            String chosen = childEnv.get(usersChoice);
            if (chosen != null) {
                local.put(usersChoice, chosen);
            }
        }
        childEnv.putAll(local);
        childEnv.put("PIPELINE_HOME", home.toString());
    }

    /** Follows the batch until it completes or fails; returns the time to its first transcript (null if none). */
    private Duration follow(Connections base, String batchId, Instant begin, Instant deadline, List<ChildProgram> workers,
                            Path logs) throws Exception {
        BatchRepository batches = new BatchRepository(base.database());
        DemoProgress progress = DemoProgress.forStderr();
        Duration firstTranscript = null;
        while (true) {
            BatchRecord row = batches.find(batchId).orElseThrow(); // the batch's counts, as its row keeps them
            long done = row.processedFiles() + row.failedFiles();
            if (firstTranscript == null && row.processedFiles() > 0) {
                firstTranscript = Duration.between(begin, Instant.now());
            }
            progress.show(String.format("  %s %s  %s", ProgressBar.bar(done, row.totalFiles() == null ? 0 : row.totalFiles()),
                    row.totalFiles() == null ? "unpacking" : done + "/" + row.totalFiles() + " files", row.status()));
            if ("completed".equals(row.status()) || "failed".equals(row.status())) {
                progress.done();
                return firstTranscript;
            }
            for (ChildProgram p : workers) {
                if (!p.isAlive()) {
                    throw new CliFailure(p.name() + " stopped unexpectedly:\n" + p.logTail(15), 1);
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new CliFailure("the batch did not complete within " + timeout + "; see the logs in " + logs, 1);
            }
            Thread.sleep(500);
        }
    }

    /** --keep: the workers are stopped, the servers stay until Ctrl-C; says how to look at them. */
    private void keepRunning(DemoServers servers) throws InterruptedException {
        stopEverything();
        StringBuilder connect = new StringBuilder();
        servers.env().forEach((k, v) -> connect.append(k).append('=').append(v).append(' '));
        System.out.println();
        System.out.println("The servers keep running (Ctrl-C stops them):");
        servers.described().forEach(line -> System.out.println("  " + line));
        System.out.println("Look at them with:");
        System.out.println("  " + connect + "bin/pipeline status");
        System.out.flush();
        Thread.currentThread().join();
    }

    /** A worker the demo started: stopped as systemd stops it (SIGTERM, its current job finishes), forced after 30 s. */
    private ChildProgram child(ChildProgram p) {
        started.add(0, () -> p.stop(WORKER_STOP_SECONDS));
        return p;
    }

    /** Ctrl-C or the end: everything the demo started, servers included. */
    private synchronized void stopAll() {
        stopEverything();
        if (keptServers != null) {
            keptServers.close();
            keptServers = null;
        }
    }

    private synchronized void stopEverything() {
        for (AutoCloseable c : started) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("demo: stopping " + c.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
        started.clear();
    }

    private static Optional<String> latestBatch(Database db, Instant since) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT batch_id FROM batches WHERE created_at >= :since ORDER BY created_at DESC LIMIT 1")
                .bind("since", since.minusSeconds(5)).mapTo(String.class).findOne());
    }

    private static Path fresh(Path dir) throws java.io.IOException {
        io.audiopipeline.common.batch.BatchCompletion.removeTree(dir);
        return Files.createDirectories(dir);
    }

    private static void step(String what) {
        System.err.println("demo: " + what);
    }
}
