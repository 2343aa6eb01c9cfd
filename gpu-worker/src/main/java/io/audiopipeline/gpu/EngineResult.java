package io.audiopipeline.gpu;

/** A bridge's answer and the time the bridge spent on it (not the time spent waiting for a free bridge). */
record EngineResult(BridgeAnswer answer, double engineSeconds) {
}
