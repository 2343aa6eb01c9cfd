package io.audiopipeline.gpu;

import java.io.IOException;

/** The bridge died, hung, or spoke something that is not the protocol: the request may be retried. */
final class BridgeFailure extends IOException {
    BridgeFailure(String message) {
        super(message);
    }

    BridgeFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
