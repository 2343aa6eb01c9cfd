package io.audiopipeline.common.storage;

import java.io.IOException;

/** The object asked for is not in the bucket. */
public final class MissingObjectException extends IOException {
    public MissingObjectException(String bucket, String key) {
        super("s3://" + bucket + "/" + key + " does not exist");
    }
}
