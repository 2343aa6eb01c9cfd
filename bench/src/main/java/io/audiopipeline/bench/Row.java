package io.audiopipeline.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One line of the results: the pipeline's measurements against its baseline's, from the same run. */
final class Row {
    final String name;
    final String unit;
    final List<Double> pipeline = new ArrayList<>();
    final List<Double> baseline = new ArrayList<>();
    final Map<String, Object> extra = new LinkedHashMap<>();
    String goal = "";
    boolean higherIsBetter;

    Row(String name, String unit) {
        this.name = name;
        this.unit = unit;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String spread(List<Double> values) {
        if (values.isEmpty()) {
            return "-";
        }
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return String.format(Locale.ROOT, "%.2f–%.2f", min, max);
    }

    /** pipeline / baseline for times; baseline / pipeline for rates (so that 1.0 is parity and lower is better). */
    double ratio() {
        double p = median(pipeline);
        double b = median(baseline);
        return higherIsBetter ? b / p : p / b;
    }

    String markdown() {
        if (baseline.isEmpty()) {
            // a figure against its goal only (no tool to compare with)
            return String.format(Locale.ROOT, "| %s | %.2f (%s) | – | %s | – | %s | %s |", name, median(pipeline), spread(pipeline), unit, goal,
                    extrasText());
        }
        return String.format(Locale.ROOT, "| %s | %.2f (%s) | %.2f (%s) | %s | **%.2f** | %s | %s |", name, median(pipeline), spread(pipeline),
                median(baseline), spread(baseline), unit, ratio(), goal, extrasText());
    }

    String extrasText() {
        StringBuilder out = new StringBuilder();
        extra.forEach((k, v) -> out.append(out.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return out.toString();
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("unit", unit);
        m.put("pipeline", pipeline);
        m.put("baseline", baseline);
        m.put("pipeline_median", median(pipeline));
        m.put("baseline_median", median(baseline));
        m.put("ratio", ratio());
        m.put("goal", goal);
        m.putAll(extra);
        return m;
    }

    static String header() {
        return "| measurement | pipeline median (range) | baseline median (range) | unit | ratio | goal | notes |\n|---|---|---|---|---|---|---|";
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(pipeline.toArray()) + " vs " + Arrays.toString(baseline.toArray());
    }
}
