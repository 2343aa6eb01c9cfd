package io.audiopipeline.transfer;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/** A real SFTP server (Apache MINA SSHD) on a loopback port, serving a directory, accepting one key. */
final class SftpTestServer implements AutoCloseable {
    static final String USER = "exporter";

    private final SshServer server;
    private final KeyPair hostKey;
    private final KeyPair clientKey;

    SftpTestServer(Path root) throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        hostKey = rsa.generateKeyPair();
        clientKey = rsa.generateKeyPair();
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> USER.equals(user) && KeyUtils.compareKeys(key, clientKey.getPublic()));
        server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        server.setFileSystemFactory(new VirtualFileSystemFactory(root));
        server.start();
    }

    int port() {
        return server.getPort();
    }

    /** Writes the client's private key in OpenSSH format (what TRANSFER_SSH_KEY points at). */
    Path writeClientKey(Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(clientKey, "test", null, out);
        }
        return file;
    }

    /** A known_hosts file that lists this server's host key. */
    Path writeKnownHosts(Path file) throws Exception {
        Files.writeString(file, "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(hostKey.getPublic()) + "\n");
        return file;
    }

    @Override
    public void close() throws Exception {
        server.stop(true);
    }
}
