package io.audiopipeline.transfer;

import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.Set;

/** The transfer worker's own settings. */
public record TransferConfig(URI source, String pattern, Duration pollInterval, boolean requireMarker, AfterTransfer after,
                             Path stagingDir, Path sshKey, Path knownHosts, boolean acceptUnknownHosts, Duration claimTtl,
                             Duration connectTimeout, String sshKeyPassphrase) {
    public static final String DEFAULT_PATTERN = "*.{tar,tar.gz,tgz,tar.bz2,tbz2,tar.xz,txz,tar.zst,tzst,zip}";
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CLAIM_TTL = Duration.ofHours(1);

    public static TransferConfig from(Env env) {
        URI source = env.uri("TRANSFER_SOURCE", null, Set.of("sftp", "file"));
        if (source == null) {
            throw new ConfigException("TRANSFER_SOURCE", "is required: sftp://user@host[:port]/path or file:///path");
        }
        if ("sftp".equals(source.getScheme()) && (source.getUserInfo() == null || source.getHost() == null)) {
            throw new ConfigException("TRANSFER_SOURCE", "an sftp source needs a user and a host: sftp://user@host[:port]/path");
        }
        String pattern = env.string("TRANSFER_PATTERN", DEFAULT_PATTERN);
        try {
            FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        } catch (RuntimeException e) {
            throw new ConfigException("TRANSFER_PATTERN", "is not a valid glob: " + e.getMessage());
        }
        String home = System.getProperty("user.home");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        return new TransferConfig(source, pattern,
                env.duration("TRANSFER_POLL_INTERVAL", DEFAULT_POLL_INTERVAL, Duration.ofMillis(100)),
                env.bool("TRANSFER_REQUIRE_MARKER", false),
                AfterTransfer.parse(env.string("TRANSFER_SOURCE_AFTER", "keep")),
                env.path("STAGING_DIR", tmp.resolve("transfer_staging")),
                env.path("TRANSFER_SSH_KEY", Path.of(home, ".ssh", "id_ed25519")),
                env.path("TRANSFER_KNOWN_HOSTS", Path.of(home, ".ssh", "known_hosts")),
                env.bool("TRANSFER_ACCEPT_UNKNOWN_HOSTS", false),
                env.duration("TRANSFER_CLAIM_TTL", DEFAULT_CLAIM_TTL, Duration.ofSeconds(10)),
                env.duration("TRANSFER_CONNECT_TIMEOUT", Duration.ofSeconds(30), Duration.ofSeconds(1)),
                env.string("TRANSFER_SSH_KEY_PASSPHRASE", ""));
    }

    public PathMatcher matcher() {
        return FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    }

    /** What happens to the source file once its job is enqueued. */
    public record AfterTransfer(Action action, String moveTo) {
        public enum Action { KEEP, DELETE, MOVE }

        static AfterTransfer parse(String value) {
            if (value.equals("keep")) {
                return new AfterTransfer(Action.KEEP, null);
            }
            if (value.equals("delete")) {
                return new AfterTransfer(Action.DELETE, null);
            }
            if (value.startsWith("move:") && value.length() > "move:".length()) {
                return new AfterTransfer(Action.MOVE, value.substring("move:".length()));
            }
            throw new ConfigException("TRANSFER_SOURCE_AFTER", "must be keep, delete or move:<dir>, got '" + value + "'");
        }
    }
}
