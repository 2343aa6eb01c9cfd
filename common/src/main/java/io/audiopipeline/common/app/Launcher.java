package io.audiopipeline.common.app;

import io.audiopipeline.common.config.Printable;
import io.audiopipeline.common.config.Secrets;
import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a program's main body and turns start-up failures into one line and an exit status:
 * 78 (EX_CONFIG) for bad configuration, 69 (EX_UNAVAILABLE) for an unreachable server.
 */
public final class Launcher {
    public static final int EX_CONFIG = 78;
    public static final int EX_UNAVAILABLE = 69;
    public static final int EX_SOFTWARE = 70;
    private static final Logger log = LoggerFactory.getLogger(Launcher.class);

    private Launcher() {
    }

    public static int run(String program, Callable<Integer> body) {
        try {
            return body.call();
        } catch (ConfigException e) {
            System.err.println(program + ": configuration error: " + Printable.escape(Secrets.mask(e.getMessage())));
            return EX_CONFIG;
        } catch (UnavailableException e) {
            System.err.println(program + ": cannot start: " + Printable.escape(Secrets.mask(e.getMessage())));
            return EX_UNAVAILABLE;
        } catch (Exception e) {
            log.error("{} failed", program, e);
            System.err.println(program + ": failed: " + Infrastructure.firstLine(e));
            return EX_SOFTWARE;
        }
    }

    /** Logs the effective configuration once, secrets masked. */
    public static void logConfiguration(String program, Env env) {
        StringBuilder line = new StringBuilder();
        for (Map.Entry<String, String> e : env.effective().entrySet()) {
            line.append(line.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(e.getValue());
        }
        log.info("{} configuration: {}", program, line);
    }
}
