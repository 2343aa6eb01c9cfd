package io.audiopipeline.gpu;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** One line a bridge wrote on stdout, read as the protocol says: its ready line, an answer, or not the protocol. */
sealed interface BridgeLine {
    /** The bridge loaded its model: the ready line, with what it reports (engine, model, device). */
    record Ready(JsonNode info) implements BridgeLine {
    }

    /** The answer to request {@code id} (empty when the line names none): as a transcription answer, and as sent. */
    record Answer(String id, BridgeAnswer answer, JsonNode node) implements BridgeLine {
    }

    /** Anything else: the bridge is broken (a library printing to stdout, a crash dump). */
    record NotProtocol(String line) implements BridgeLine {
    }

    /** Reads one non-blank line. */
    static BridgeLine parse(ObjectMapper json, String line) {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            return new NotProtocol(line);
        }
        if (node == null || !node.isObject()) {
            return new NotProtocol(line);
        }
        if ("ready".equals(node.path("type").asText())) {
            return new Ready(node);
        }
        try {
            // an answer without an id answers no request: the reader logs it and goes on
            return new Answer(node.path("id").asText(), json.treeToValue(node, BridgeAnswer.class), node);
        } catch (JsonProcessingException e) {
            return new NotProtocol(line);
        }
    }
}
