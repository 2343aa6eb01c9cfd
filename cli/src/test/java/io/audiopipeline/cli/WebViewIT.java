package io.audiopipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.sandbox.GnuTar;
import io.audiopipeline.sandbox.LocalPipeline;
import io.audiopipeline.sandbox.TcpPorts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * The web view in a real browser (Debian's chromium, driven by playwright-core from npm: cli/src/test/web),
 * against real workers, servers and a real batch: the overview follows the batch to completion, the batch
 * page shows a hostile file name as text, the transcript plays with its words highlighted and seeks on a
 * click, a dead job is refused without the token and retried with it. Screenshots go to
 * cli/target/web-screenshots.
 */
class WebViewIT {
    private static final String BUCKET = "web-view";
    private static final String TOKEN = "op-token-7d1f";
    private static final String HOSTILE = "calls/<script>alert(1)</script>.wav";
    private static final List<String> SENTENCES = List.of("the meeting starts at nine thirty tomorrow morning",
            "please call me back at seven", "four five six seven eight nine", "thank you very much for calling",
            "the weather will be fine in the afternoon", "i would like to change my order", "see you on monday morning",
            "the parcel arrives at noon", "call the office after lunch", "we close at five today");

    @TempDir
    Path tmp;

    @Test
    void theWebViewFollowsARealBatchPlaysItsTranscriptAndActsOnDeadLettersOnlyWithTheToken() throws Exception {
        Path web = ChildProgram.projectRoot().resolve("cli/src/test/web");
        assertThat(web.resolve("node_modules/playwright-core")).as("playwright-core is installed by bin/setup test (npm install in %s)", web)
                .exists();
        assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium is installed by bin/setup test").exists();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        // the export as a user packs it: a folder, GNU tar (the hostile name is a real file name there)
        Path export = Files.createDirectories(tmp.resolve("export/calls"));
        for (int i = 0; i < SENTENCES.size(); i++) {
            AudioFixtures.speech(SENTENCES.get(i), export.resolve(i == 0 ? "meeting.wav" : "call-" + i + ".wav"));
        }
        Path hostile = tmp.resolve("export").resolve(HOSTILE);
        Files.createDirectories(hostile.getParent());
        AudioFixtures.tone(hostile, 1.0, 16000, 440);
        Path logs = ChildProgram.projectRoot().resolve("cli/target/web-logs");

        try (EmbeddedS3 s3 = EmbeddedS3.temporary(); ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             UnifiedJedis redis = TestServers.redis(); Database db = TestServers.freshDatabase()) {
            store.createBucketIfMissing();
            TestServers.flushRedis(redis);
            Map<String, String> servers = TestServers.envWith(s3, BUCKET);
            Map<String, String> env = LocalPipeline.env(servers, "web-node", Files.createDirectories(tmp.resolve("scratch")), tmp.resolve("staging"),
                    inbox);
            // a job dead on a queue no worker takes: retrying it moves it to that queue, where it stays
            ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
            DeadLetter deadJob = DeadLetter.of("transcribe:elsewhere",
                    "{\"batch_id\":\"20240101-000000-000001\",\"opus_path\":\"/x.opus\",\"original_filename\":\"x.mp3\"}",
                    "audio file /x.opus is missing from the scratch dir", 5, "web-node:gpu:1:abc", Instant.now());
            redis.lpush("queue:transcribe:elsewhere:dead", json.writeValueAsString(deadJob));
            int port = TcpPorts.any();
            Map<String, String> webEnv = new HashMap<>(servers);
            webEnv.put("WEB_PORT", Integer.toString(port));
            webEnv.put("WEB_TOKEN", TOKEN);
            try (ChildProgram unpack = ChildProgram.start("unpack-worker", env, logs);
                 ChildProgram gpu = ChildProgram.start("gpu-worker", env, logs);
                 ChildProgram view = ChildProgram.start("pipeline", webEnv, logs, "web")) {
                TcpPorts.awaitListening(port, "the web view");
                ProcessBuilder node = new ProcessBuilder("node", "web.spec.mjs").directory(web.toFile()).redirectErrorStream(true);
                node.environment().putAll(Map.of("BASE_URL", "http://127.0.0.1:" + port, "WEB_TOKEN", TOKEN,
                        "SCREENSHOTS", ChildProgram.projectRoot().resolve("cli/target/web-screenshots").toString(),
                        "SPEECH_NAME", "calls/meeting.wav", "HOSTILE_NAME", HOSTILE));
                Process browser = node.start();
                StringBuilder output = new StringBuilder();
                CompletableFuture<Void> ready = new CompletableFuture<>();
                Thread reader = new Thread(() -> {
                    try (BufferedReader lines = new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                            System.out.println("[browser] " + line);
                            output.append(line).append('\n');
                            if (line.equals("READY")) {
                                ready.complete(null);
                            }
                        }
                    } catch (Exception e) {
                        ready.completeExceptionally(e);
                    }
                });
                reader.start();
                try {
                    ready.get(60, TimeUnit.SECONDS);
                    GnuTar.packFolder(tmp.resolve("export"), inbox.resolve("calls-web.tar.gz"));
                    ChildProgram transfer = ChildProgram.start("transfer-worker", env, logs, "--once");
                    assertThat(transfer.waitFor(120)).isZero();
                    assertThat(browser.waitFor(6, TimeUnit.MINUTES)).as("browser test finished; so far:%n%s", output).isTrue();
                    reader.join(5_000);
                    assertThat(browser.exitValue()).as("the browser test:%n%s%nweb view log:%n%s", output, view.logTail(30)).isZero();
                } finally {
                    browser.destroyForcibly();
                }
                List<String> actions = db.withHandle(h -> h.createQuery("SELECT worker || ': ' || detail FROM pipeline_events WHERE event = 'web_action'")
                        .mapTo(String.class).list());
                assertThat(actions).as("the retry is recorded with who and what")
                        .containsExactly("web:127.0.0.1: re-queued dead job " + deadJob.id() + " on queue:transcribe:elsewhere");
                assertThat(redis.llen("queue:transcribe:elsewhere")).isOne();
            }
        }
    }
}
