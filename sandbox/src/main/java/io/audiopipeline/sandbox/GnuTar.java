package io.audiopipeline.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Archives packed as users pack a folder: GNU {@code tar -C DIR -czf TARGET .} (or named members of DIR). */
public final class GnuTar {
    private GnuTar() {
    }

    /** {@code tar -C dir -czf target members...} ({@code .} when none are named); returns {@code target}. */
    public static Path packFolder(Path dir, Path target, String... members) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tar", "-C", dir.toString(), "-czf", target.toString()));
        command.addAll(members.length == 0 ? List.of(".") : List.of(members));
        Process tar = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (tar.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return target;
    }
}
