package io.audiopipeline.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.app.Launcher;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.sandbox.EmbeddedSshd;
import io.audiopipeline.sandbox.RandomFiles;
import io.audiopipeline.common.testing.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The export host is a real OpenSSH server (Debian's sshd, started by the test) with keys made by
 * ssh-keygen: the key types people have, a passphrase-protected key, and a changed host key.
 */
class OpenSshTransferIT {
    private static final String BUCKET = "openssh-it";
    private static ServerFixture servers;
    private final ObjectMapper json = new ObjectMapper();
    private Database db;

    @TempDir
    Path tmp;

    @BeforeAll
    static void servers() throws Exception {
        assumeTrue(EmbeddedSshd.available(), "OpenSSH's sshd is not installed (apt-get install openssh-server); .ci/run installs it");
        servers = ServerFixture.start(BUCKET);
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    @BeforeEach
    void clean() throws Exception {
        db = servers.reset();
    }

    @AfterEach
    void closeDb() {
        db.close();
    }

    @ParameterizedTest(name = "{0} user and host keys")
    @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
    void eachKeyTypePeopleHaveTransfersAndMovesTheFileOnTheServer(String type) throws Exception {
        Path userKey = EmbeddedSshd.keygen(tmp.resolve("id_" + type), type, "");
        Path exports = Files.createDirectories(tmp.resolve("home/exports"));
        Path source = RandomFiles.write(exports.resolve("export-" + type + ".tar.gz"), 300_000, type.hashCode());
        String sha = Checksums.sha256(source);
        try (EmbeddedSshd sshd = EmbeddedSshd.start(tmp.resolve("sshd"), type, List.of(pub(userKey)))) {
            Map<String, String> env = env(sshd, exports);
            env.put("TRANSFER_SSH_KEY", userKey.toString());
            env.put("TRANSFER_KNOWN_HOSTS", sshd.knownHosts(tmp.resolve("known_hosts")).toString());
            env.put("TRANSFER_SOURCE_AFTER", "move:done");
            assertThat(runOnce(env)).as("sshd log:%n%s", sshd.log()).isZero();

            List<String> jobs = servers.redis.lrange("queue:unpack", 0, -1);
            assertThat(jobs).hasSize(1);
            JsonNode job = json.readTree(jobs.get(0));
            assertThat(job.get("sha256").asText()).isEqualTo(sha);
            Path back = tmp.resolve("back");
            servers.store.download(job.get("s3_key").asText(), back, null, null, TransferProgress.NONE);
            assertThat(Checksums.sha256(back)).as("the bytes in S3 are the export's").isEqualTo(sha);
            assertThat(exports.resolve("done/export-" + type + ".tar.gz")).as("moved on the export host").exists();
            assertThat(source).doesNotExist();
        }
    }

    @Test
    void aPassphraseProtectedKeyWorksWithItsPassphraseAndSaysWhatIsMissingWithout() throws Exception {
        Path userKey = EmbeddedSshd.keygen(tmp.resolve("id_protected"), "ed25519", "correct horse");
        Path exports = Files.createDirectories(tmp.resolve("home/exports"));
        RandomFiles.write(exports.resolve("a.tar.gz"), 10_000, 3);
        try (EmbeddedSshd sshd = EmbeddedSshd.start(tmp.resolve("sshd"), "ed25519", List.of(pub(userKey)))) {
            Map<String, String> env = env(sshd, exports);
            env.put("TRANSFER_SSH_KEY", userKey.toString());
            env.put("TRANSFER_KNOWN_HOSTS", sshd.knownHosts(tmp.resolve("known_hosts")).toString());
            ListAppender<ILoggingEvent> logs = capture();
            assertThat(runOnce(env)).isEqualTo(1);
            assertThat(messages(logs)).anyMatch(m -> m.contains("is protected by a passphrase: set TRANSFER_SSH_KEY_PASSPHRASE"));
            assertThat(servers.redis.llen("queue:unpack")).isZero();

            env.put("TRANSFER_SSH_KEY_PASSPHRASE", "correct horse");
            assertThat(runOnce(env)).isZero();
            assertThat(servers.redis.llen("queue:unpack")).isOne();
            assertThat(messages(logs)).as("the passphrase is never printed").noneMatch(m -> m.contains("correct horse"));
        }
    }

    @Test
    void aChangedHostKeyIsRefusedWithOneClearLine() throws Exception {
        Path userKey = EmbeddedSshd.keygen(tmp.resolve("id_ed25519"), "ed25519", "");
        Path exports = Files.createDirectories(tmp.resolve("home/exports"));
        Path source = RandomFiles.write(exports.resolve("a.tar.gz"), 10_000, 4);
        try (EmbeddedSshd sshd = EmbeddedSshd.start(tmp.resolve("sshd"), "ed25519", List.of(pub(userKey)))) {
            Map<String, String> env = env(sshd, exports);
            env.put("TRANSFER_SSH_KEY", userKey.toString());
            env.put("TRANSFER_KNOWN_HOSTS", sshd.changedKnownHosts(tmp.resolve("known_hosts")).toString());
            ListAppender<ILoggingEvent> logs = capture();
            assertThat(runOnce(env)).isEqualTo(1);
            assertThat(messages(logs)).anyMatch(m -> m.contains("host key of 127.0.0.1:" + sshd.port() + " refused"));
            assertThat(servers.redis.llen("queue:unpack")).isZero();
            assertThat(source).as("nothing touched on the export host").exists();
        }
    }

    private static Path pub(Path key) {
        return key.resolveSibling(key.getFileName() + ".pub");
    }

    private Map<String, String> env(EmbeddedSshd sshd, Path exports) {
        Map<String, String> env = new HashMap<>(servers.env());
        env.put("TRANSFER_SOURCE", "sftp://" + System.getProperty("user.name") + "@127.0.0.1:" + sshd.port() + exports);
        env.put("STAGING_DIR", tmp.resolve("staging").toString());
        env.put("NODE_NAME", "transfer-openssh");
        return env;
    }

    private static int runOnce(Map<String, String> env) {
        return Launcher.run("transfer-worker", () -> TransferWorkerMain.run(new String[] {"--once"}, new Env(env)));
    }

    private static ListAppender<ILoggingEvent> capture() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(TransferPoller.class)).addAppender(logs);
        return logs;
    }

    private static List<String> messages(ListAppender<ILoggingEvent> logs) {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
