package io.audiopipeline.demo;

import io.audiopipeline.cli.PipelineMain;

/** {@code bin/demo}: the pipeline once on this machine, with the operator CLI's exit statuses. */
public final class DemoMain {
    private DemoMain() {
    }

    public static void main(String[] args) {
        System.exit(PipelineMain.execute(new DemoCommand(), args));
    }
}
