package io.audiopipeline.common.storage;

import java.io.IOException;

/** Bytes that do not match their size or checksum: a corrupt transfer (worth a retry). */
public final class IntegrityException extends IOException {
    public IntegrityException(String message) {
        super(message);
    }
}
