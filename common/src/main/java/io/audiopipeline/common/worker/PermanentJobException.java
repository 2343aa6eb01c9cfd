package io.audiopipeline.common.worker;

/**
 * A job that cannot succeed however often it is tried (undecodable media, a path outside the scratch
 * root, a hostile archive): it goes straight to the dead-letter list with this message.
 */
public class PermanentJobException extends Exception {
    public PermanentJobException(String message) {
        super(message);
    }

    public PermanentJobException(String message, Throwable cause) {
        super(message, cause);
    }
}
