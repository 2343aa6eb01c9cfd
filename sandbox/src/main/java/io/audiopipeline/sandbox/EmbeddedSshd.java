package io.audiopipeline.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's OpenSSH server as the export host, started by the test or the bench on a free loopback port with a config,
 * host key and authorized keys of its own (the machine's sshd and its keys are never touched). Keys are
 * made with {@code ssh-keygen}, as an operator makes them.
 */
public final class EmbeddedSshd implements AutoCloseable {
    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Path dir;
    private final int port;
    private final Path hostKey;
    private final Process process;

    private EmbeddedSshd(Path dir, int port, Path hostKey, Process process) {
        this.dir = dir;
        this.port = port;
        this.hostKey = hostKey;
        this.process = process;
    }

    public static boolean available() {
        return Files.isExecutable(SSHD) && Files.isExecutable(Path.of("/usr/bin/ssh-keygen"));
    }

    /** Starts sshd with one host key of {@code hostKeyType} (ed25519, ecdsa or rsa), accepting the given public keys. */
    public static EmbeddedSshd start(Path dir, String hostKeyType, List<Path> authorizedPublicKeys) throws Exception {
        Files.createDirectories(dir);
        Path hostKey = keygen(dir.resolve("ssh_host_" + hostKeyType + "_key"), hostKeyType, "");
        StringBuilder authorized = new StringBuilder();
        for (Path pub : authorizedPublicKeys) {
            authorized.append(Files.readString(pub).trim()).append('\n');
        }
        Path authorizedKeys = Files.writeString(dir.resolve("authorized_keys"), authorized);
        Files.createDirectories(Path.of("/run/sshd"));
        int port = TcpPorts.any();
        Path config = Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "ListenAddress 127.0.0.1",
                "Port " + port,
                "HostKey " + hostKey,
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + authorizedKeys,
                "StrictModes no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "Subsystem sftp internal-sftp",
                "LogLevel VERBOSE", ""));
        Process process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        TcpPorts.awaitListening(port, "sshd");
        return new EmbeddedSshd(dir, port, hostKey, process);
    }

    /** {@code ssh-keygen -t TYPE -N PASSPHRASE -f FILE}; returns the private key's path. */
    public static Path keygen(Path file, String type, String passphrase) throws Exception {
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", "test-" + type, "-f", file.toString()));
        if (type.equals("rsa")) {
            command.addAll(List.of("-b", "3072"));
        }
        run(command);
        return file;
    }

    public int port() {
        return port;
    }

    /** A known_hosts file holding this server's host key, as {@code ssh-keyscan} writes it. */
    public Path knownHosts(Path file) throws IOException {
        return Files.writeString(file, "[127.0.0.1]:" + port + " " + publicPart(hostKey.resolveSibling(hostKey.getFileName() + ".pub")) + "\n");
    }

    /** A known_hosts file that names another key for this server: what a client sees after the host key changed. */
    public Path changedKnownHosts(Path file) throws Exception {
        Path other = keygen(dir.resolve("other_host_key"), "ed25519", "");
        return Files.writeString(file, "[127.0.0.1]:" + port + " " + publicPart(other.resolveSibling(other.getFileName() + ".pub")) + "\n");
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("sshd.log"), StandardCharsets.UTF_8);
    }

    private static String publicPart(Path pub) throws IOException {
        String[] parts = Files.readString(pub).trim().split(" ");
        return parts[0] + " " + parts[1];
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
