package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.EmbeddedSshd;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Row 2: a large archive through a running transfer worker (file:// → S3) vs one plain SDK multipart
 * upload ({@link PlainUploadClient}). Both sides run in a JVM of their own, beside the S3 server's, with
 * the same JVM options, and both are measured warm: the worker is started once and takes one archive
 * before the timed ones, as a transfer worker in service does; the upload client uploads once first too.
 * The pipeline time runs from the archive's {@code .done} marker appearing to its unpack job being on
 * the queue, so it includes finding the archive (the worker polls every 100 ms).
 */
final class TransferBench {
    static Row run(BenchEnv e, long megabytes, int reps) throws Exception {
        Path source = Workloads.randomFile(e.work.resolve("transfer-src/big.tar.gz"), megabytes);
        Path inbox = e.work.resolve("transfer-inbox");
        Row row = new Row("transfer: " + megabytes + " MB archive, file:// → S3", "s");
        row.goal = "≤ 1.10";
        List<Double> workerCpus = new ArrayList<>();
        List<Double> pipelineServerCpus = new ArrayList<>();
        List<Double> baselineCpus = new ArrayList<>();
        e.reset();
        BatchCompletion.removeTree(inbox);
        Files.createDirectories(inbox);
        Map<String, String> env = new HashMap<>(e.env);
        env.put("STAGING_DIR", e.work.resolve("staging").toString());
        env.put("TRANSFER_SOURCE", inbox.toUri().toString());
        env.put("TRANSFER_POLL_INTERVAL", "100ms");
        env.put("TRANSFER_REQUIRE_MARKER", "true");
        env.put("TRANSFER_SOURCE_AFTER", "delete");
        env.put("NODE_NAME", "bench-transfer");
        try (ChildProgram worker = ChildProgram.start("transfer-worker", env, e.work.resolve("logs"));
             PlainUploads plain = new PlainUploads(e, source)) {
            plain.upload("raw/warm-up");
            arrive(e, worker, source, inbox, "warm-up.tar.gz", 1);
            for (int rep = 0; rep < reps; rep++) {
                // alternate which side goes first: what one upload leaves the S3 server doing (writing
                // back the object, collecting garbage) then falls on each side alike
                if (rep % 2 == 0) {
                    row.pipeline.add(pipelineRun(e, worker, source, inbox, rep, workerCpus, pipelineServerCpus));
                    row.baseline.add(baselineRun(plain, rep, baselineCpus));
                } else {
                    row.baseline.add(baselineRun(plain, rep, baselineCpus));
                    row.pipeline.add(pipelineRun(e, worker, source, inbox, rep, workerCpus, pipelineServerCpus));
                }
            }
            worker.terminate(120);
        }
        row.extra.put("CPU s per archive: pipeline worker + S3 server", String.format(Locale.ROOT, "%.1f + %.1f",
                Row.median(workerCpus), Row.median(pipelineServerCpus)));
        row.extra.put("baseline client + S3 server", String.format(Locale.ROOT, "%.1f", Row.median(baselineCpus)));
        double bytes = megabytes * 1048576.0;
        row.extra.put("pipeline MB/s", String.format(Locale.ROOT, "%.0f", bytes / Row.median(row.pipeline) / 1048576));
        row.extra.put("raw MB/s", String.format(Locale.ROOT, "%.0f", bytes / Row.median(row.baseline) / 1048576));
        row.extra.put("pipeline work", "running worker: find the archive, claim, record, read once in place (SHA-256 while uploading, parts with their CRC32C), identity check, HEAD verify, "
                + "batch row, enqueue, delete source; one warm-up archive first on both sides");
        row.extra.put("baseline work", "a plain SDK upload program in its own JVM (16 MB parts, 256 MB in flight); the sides take turns "
                + "going first");
        return row;
    }

    /**
     * The {@code sftp://} row: the same archive on Debian's OpenSSH server (started by the bench on a free
     * loopback port, ed25519 keys) through a running transfer worker, which streams it to S3 while staging
     * it, vs what an operator's script does: {@code sftp get} to local disk, then a plain SDK upload.
     */
    static Row runSftp(BenchEnv e, long megabytes, int reps) throws Exception {
        Path dir = e.work.resolve("sftp");
        BatchCompletion.removeTree(dir);
        Path exports = Files.createDirectories(dir.resolve("exports"));
        Path source = Workloads.randomFile(e.work.resolve("transfer-src/sftp-" + megabytes + ".tar.gz"), megabytes);
        Path userKey = EmbeddedSshd.keygen(dir.resolve("id_ed25519"), "ed25519", "");
        Path fetched = dir.resolve("fetched.tar.gz");
        Row row = new Row("transfer: " + megabytes + " MB archive, sftp:// (OpenSSH on loopback) → S3", "s");
        row.goal = "≤ 0.75";
        List<Double> gets = new ArrayList<>();
        List<Double> uploads = new ArrayList<>();
        e.reset();
        try (EmbeddedSshd sshd = EmbeddedSshd.start(dir.resolve("sshd"), "ed25519", List.of(userKey.resolveSibling("id_ed25519.pub")))) {
            Path knownHosts = sshd.knownHosts(dir.resolve("known_hosts"));
            Map<String, String> env = new HashMap<>(e.env);
            env.put("STAGING_DIR", dir.resolve("staging").toString());
            env.put("TRANSFER_SOURCE", "sftp://" + System.getProperty("user.name") + "@127.0.0.1:" + sshd.port() + exports);
            env.put("TRANSFER_SSH_KEY", userKey.toString());
            env.put("TRANSFER_KNOWN_HOSTS", knownHosts.toString());
            env.put("TRANSFER_POLL_INTERVAL", "100ms");
            env.put("TRANSFER_REQUIRE_MARKER", "true");
            env.put("TRANSFER_SOURCE_AFTER", "delete");
            env.put("NODE_NAME", "bench-sftp");
            Files.copy(source, fetched);
            try (ChildProgram worker = ChildProgram.start("transfer-worker", env, e.work.resolve("logs"));
                 PlainUploads plain = new PlainUploads(e, fetched)) {
                plain.upload("raw/sftp-warm-up");
                arrive(e, worker, source, exports, "warm-up.tar.gz", 1);
                for (int rep = 0; rep < reps; rep++) {
                    Files.deleteIfExists(fetched);
                    double get = sftpGet(sshd, userKey, knownHosts, exports.resolve("fetch-me.tar.gz"), source, fetched);
                    double upload = plain.upload("raw/sftp-" + rep);
                    gets.add(get);
                    uploads.add(upload);
                    row.baseline.add(get + upload);
                    row.pipeline.add(arrive(e, worker, source, exports, "big-" + rep + ".tar.gz", rep + 2));
                }
                worker.terminate(120);
            }
        }
        double slower = Math.max(Row.median(gets), Row.median(uploads));
        row.extra.put("sftp get / plain upload alone (s)", String.format(Locale.ROOT, "%.2f / %.2f", Row.median(gets), Row.median(uploads)));
        row.extra.put("ratio to the slower step alone", String.format(Locale.ROOT, "%.2f", Row.median(row.pipeline) / slower));
        row.extra.put("pipeline work", "running worker: find the archive and its marker over SFTP, claim, record, stream to S3 while "
                + "staging it (download and upload overlap), HEAD verify, batch row, enqueue, delete on the export host");
        row.extra.put("baseline work", "OpenSSH's sftp client: get to local disk, then the plain SDK upload program uploads it");
        return row;
    }

    /** {@code sftp -b -} with one {@code get}, as an operator's script runs it; returns its seconds. */
    private static double sftpGet(EmbeddedSshd sshd, Path key, Path knownHosts, Path remote, Path source, Path local) throws Exception {
        Files.deleteIfExists(remote);
        Files.createLink(remote, source);
        Process p = new ProcessBuilder("sftp", "-q", "-i", key.toString(), "-P", String.valueOf(sshd.port()),
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes", "-b", "-",
                System.getProperty("user.name") + "@127.0.0.1").redirectErrorStream(true).start();
        long start = System.nanoTime();
        try (BufferedWriter commands = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8))) {
            commands.write("get " + remote + " " + local + "\n");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.exists(local)) {
            throw new IllegalStateException("sftp get failed: " + out);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.delete(remote);
        return seconds;
    }

    private static double pipelineRun(BenchEnv e, ChildProgram worker, Path source, Path inbox, int rep, List<Double> workerCpus,
                                      List<Double> serverCpus) throws Exception {
        double workerCpu = CpuMeter.seconds(worker.pid());
        double serverCpu = CpuMeter.seconds(ProcessHandle.current().pid());
        double seconds = arrive(e, worker, source, inbox, "big-" + rep + ".tar.gz", rep + 2);
        workerCpus.add(CpuMeter.seconds(worker.pid()) - workerCpu);
        serverCpus.add(CpuMeter.seconds(ProcessHandle.current().pid()) - serverCpu);
        return seconds;
    }

    private static double baselineRun(PlainUploads plain, int rep, List<Double> cpus) throws Exception {
        double serverCpu = CpuMeter.seconds(ProcessHandle.current().pid());
        double clientCpu = CpuMeter.seconds(plain.pid());
        double seconds = plain.upload("raw/big-" + rep);
        cpus.add(CpuMeter.seconds(plain.pid()) - clientCpu + CpuMeter.seconds(ProcessHandle.current().pid()) - serverCpu);
        return seconds;
    }

    /** Puts the archive in the inbox with its marker; returns the seconds until the worker has enqueued job number {@code jobs}. */
    private static double arrive(BenchEnv e, ChildProgram worker, Path source, Path inbox, String name, long jobs) throws Exception {
        Files.createLink(inbox.resolve(name), source);
        long start = System.nanoTime();
        Files.createFile(inbox.resolve(name + ".done"));
        String queue = QueueKeys.unpack().main();
        PipelineRuns.await(Duration.ofMinutes(5), () -> !worker.isAlive() || e.redis.llen(queue) >= jobs,
                "transfer worker did not enqueue " + name + "; see " + worker.logFile());
        if (!worker.isAlive()) {
            throw new IllegalStateException("transfer worker exited; see " + worker.logFile());
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** {@link PlainUploadClient} running in its own JVM, with the workers' JVM options. */
    private static final class PlainUploads implements AutoCloseable {
        private final Process process;
        private final BufferedWriter keys;
        private final BufferedReader seconds;

        PlainUploads(BenchEnv e, Path file) throws Exception {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(Arrays.asList(e.env.get("JAVA_OPTS").split("\\s+")));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), PlainUploadClient.class.getName(),
                    e.s3.endpoint().toString(), BenchEnv.BUCKET, file.toString()));
            Files.createDirectories(e.work.resolve("logs"));
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(e.work.resolve("logs/plain-upload.log").toFile()))
                    .start();
            keys = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            seconds = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        long pid() {
            return process.pid();
        }

        double upload(String key) throws Exception {
            keys.write(key);
            keys.newLine();
            keys.flush();
            // the JVM may print on stdout too (a flight recording's start, say): the answer is the line marked as such
            for (String line = seconds.readLine(); line != null; line = seconds.readLine()) {
                if (line.startsWith(PlainUploadClient.ANSWER)) {
                    return Double.parseDouble(line.substring(PlainUploadClient.ANSWER.length()));
                }
            }
            throw new IllegalStateException("the plain upload client exited; see bench/work/logs/plain-upload.log");
        }

        @Override
        public void close() throws Exception {
            keys.close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
