package io.audiopipeline.unpack;

import io.audiopipeline.common.worker.PermanentJobException;

/** An archive that may not be extracted (a hostile or oversized entry); the message names the entry. */
final class ArchiveRejectedException extends PermanentJobException {
    ArchiveRejectedException(String message) {
        super(message);
    }

    ArchiveRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
