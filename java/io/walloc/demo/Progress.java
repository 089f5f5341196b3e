package io.walloc.demo;

import java.io.PrintStream;
import java.lang.reflect.Method;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The demo's progress display: a terminal progress bar (me.tongfei:progressbar) when standard
 * output is a terminal, plain lines otherwise (CI logs, pipes, {@code --plain}).
 *
 * <p>Thread safety: {@link #update} may be called from any thread.
 */
final class Progress implements AutoCloseable {
    private final PrintStream out;
    private final ProgressBar bar;
    private final long total;
    private int lastPercentLine = -1;

    Progress(PrintStream out, boolean plain, String task, long totalBytes) {
        this.out = out;
        this.total = Math.max(1, totalBytes);
        if (plain) {
            bar = null;
        } else {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(this.total).setUnit(" MiB", 1 << 20)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).showSpeed().setUpdateIntervalMillis(100)
                    .setMaxRenderedLength(110).build();
        }
    }

    /**
     * Whether standard output is an interactive terminal (JDK 22+ has a console even when
     * redirected: ask it, through reflection since we compile for 17).
     */
    static boolean isTerminal() {
        if (System.console() == null) {
            return false;
        }
        String term = System.getenv("TERM");
        if (term == null || term.equals("dumb")) {
            return false;
        }
        try {
            Method m = System.console().getClass().getMethod("isTerminal");
            return (Boolean) m.invoke(System.console());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true; // JDK 17-21: console() is null unless stdin and stdout are a terminal
        }
    }

    synchronized void update(long bytes, long expected, String message) {
        if (bar != null) {
            if (expected > bar.getMax()) {
                bar.maxHint(expected);
            }
            bar.stepTo(bytes);
            bar.setExtraMessage(message);
        } else if (total > 1) { // plain lines at 0, 25, 50, 75 % (batch lines say the rest); none when sizes are unknown
            int pct = (int) Math.min(100, bytes * 100 / total);
            int step = pct / 25 * 25;
            if (step > lastPercentLine && step < 100) {
                lastPercentLine = step;
                out.println("  " + step + "% " + Format.bytes(bytes) + " of " + Format.bytes(total) + " (" + message.strip() + ")");
            }
        }
    }

    /** A line that must not be overwritten by the bar. */
    synchronized void println(String line) {
        if (bar == null) {
            out.println(line);
        } else {
            out.print("\r\033[2K");
            out.println(line);
        }
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
