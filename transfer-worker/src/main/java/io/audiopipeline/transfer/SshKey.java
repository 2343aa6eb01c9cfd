package io.audiopipeline.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The transfer worker's SSH identity (TRANSFER_SSH_KEY): ed25519, ecdsa or rsa, in OpenSSH's format or
 * PEM, optionally protected by TRANSFER_SSH_KEY_PASSPHRASE. A key that cannot be read says why in one
 * line, naming the variable to fix; the passphrase is never part of a message.
 */
record SshKey(Path file, String passphrase) {
    @Override
    public String toString() {
        return "SshKey[" + file + (passphrase.isEmpty() ? "" : ", with passphrase") + "]";
    }

    List<KeyPair> load() throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("SSH key " + file + " (TRANSFER_SSH_KEY) is not readable");
        }
        FilePasswordProvider password = passphrase.isEmpty()
                ? (session, resource, retry) -> {
                    throw new IOException("SSH key " + file + " is protected by a passphrase: set TRANSFER_SSH_KEY_PASSPHRASE");
                }
                : FilePasswordProvider.of(passphrase);
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> keys = SecurityUtils.loadKeyPairIdentities(null, file::toString, in, password);
            List<KeyPair> list = new ArrayList<>();
            if (keys != null) {
                keys.forEach(list::add);
            }
            if (list.isEmpty()) {
                throw new IOException("SSH key " + file + " (TRANSFER_SSH_KEY) holds no private key this worker can read");
            }
            return list;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot read SSH key " + file + " (TRANSFER_SSH_KEY)" + (passphrase.isEmpty() ? "" : ": wrong TRANSFER_SSH_KEY_PASSPHRASE?")
                    + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}
