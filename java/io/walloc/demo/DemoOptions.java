package io.walloc.demo;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options and arguments of {@code walloc demo} (a picocli mixin of {@link DemoCommand}), and
 * their checks: {@link #validate()} turns each bad value into a one-line {@link Main.UsageError}.
 */
final class DemoOptions {
    @Option(names = "--base-url", paramLabel = "URL",
            description = "Load from this http(s) server instead of the embedded one.")
    URI baseUrl;

    @Option(names = "--manifest", paramLabel = "PATH", defaultValue = "assets.txt",
            description = "Manifest path under the base URL (default: ${DEFAULT-VALUE}).")
    String manifest;

    @Parameters(paramLabel = "PATH", arity = "0..*",
            description = "Asset paths under --base-url to load instead of the manifest's.")
    List<String> paths = new ArrayList<>();

    @Option(names = "--capacity", paramLabel = "SIZE", defaultValue = "256m", converter = SizeConverter.class,
            description = "Walloc capacity, e.g. 64m, 1g (default: ${DEFAULT-VALUE}); tiers get 50/30/20 %%.")
    long capacity;

    @Option(names = "--budget", paramLabel = "PERCENT", defaultValue = "0",
            description = {"Give each tier a budget of this share of its capacity: when a load would pass it,",
                "the least recently used assets of the tier are evicted first, so more can be streamed",
                "than fits (default: no budget; a full tier then fails the load with 'no room')."})
    int budgetPercent;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "40",
            description = "Assets per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "8",
            description = "Requests in flight per batch (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Wait at most this long for a response or the next body bytes (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--images", paramLabel = "N", defaultValue = "60",
            description = "Embedded server: generated images (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--jsons", paramLabel = "N", defaultValue = "40",
            description = "Embedded server: generated JSON documents (default: ${DEFAULT-VALUE}).")
    int jsons;

    @Option(names = "--binaries", paramLabel = "N", defaultValue = "40",
            description = "Embedded server: generated binaries (default: ${DEFAULT-VALUE}).")
    int binaries;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Embedded server: generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
            description = "Embedded server: port on 127.0.0.1 (default: any free port).")
    int port;

    @Option(names = "--profile", paramLabel = "RATE", arity = "0..1", fallbackValue = "1",
            description = {"Keep an allocation profile sampling one allocation in RATE (--profile alone: every",
                "one; write --profile=RATE before asset paths); print the top sites per tier after loading",
                "and the leak report at exit."})
    Integer profile; // null: no profile

    int profileRate; // the profile's rate, 0 for none (validate: --leak may turn it on)

    @Option(names = "--leak", paramLabel = "N", defaultValue = "0",
            description = {"Leave N blocks of 64 KiB in BOTTOM unfreed, so that the leak report at exit shows",
                "them (turns --profile on, every allocation sampled, when it is not given; at a rate",
                "above 1 about one block in RATE is sampled and reported)."})
    int leak;

    @Option(names = "--plain", description = "Plain progress lines even on a terminal.")
    boolean plain;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    /** Parses sizes such as 64k, 256m, 1g. */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Format.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Checks the values picocli cannot, and settles {@link #profileRate}. */
    void validate() {
        if (batchSize < 1) {
            throw new Main.UsageError("--batch-size must be at least 1, got " + batchSize);
        }
        if (parallelism < 1) {
            throw new Main.UsageError("--parallelism must be at least 1, got " + parallelism);
        }
        if (timeoutSeconds < 1) {
            throw new Main.UsageError("--timeout must be at least 1 second, got " + timeoutSeconds);
        }
        if (images < 0 || jsons < 0 || binaries < 0) {
            throw new Main.UsageError("--images, --jsons and --binaries must be 0 or more");
        }
        if (budgetPercent < 0 || budgetPercent > 100) {
            throw new Main.UsageError("--budget must be a percentage in 0..100, got " + budgetPercent);
        }
        if (port < 0 || port > 65535) {
            throw new Main.UsageError("--port must be in 0..65535, got " + port);
        }
        if (profile != null && profile < 1) {
            throw new Main.UsageError("--profile must be a rate of 1 or more (one allocation in RATE sampled), got "
                    + profile);
        }
        profileRate = profile != null ? profile : 0;
        if (leak < 0) {
            throw new Main.UsageError("--leak must be 0 or more blocks, got " + leak);
        }
        if (leak > 0 && profileRate == 0) {
            profileRate = 1; // a leak is only worth leaving when a report names it
        }
        if (baseUrl == null && !paths.isEmpty()) {
            throw new Main.UsageError("asset paths (" + paths.get(0) + "...) need --base-url; the embedded server "
                    + "serves its own samples");
        }
        if (baseUrl != null) {
            String s = baseUrl.getScheme();
            if (s == null || !(s.equalsIgnoreCase("http") || s.equalsIgnoreCase("https")) || baseUrl.getHost() == null) {
                throw new Main.UsageError("--base-url '" + baseUrl + "' is not an absolute http:// or https:// URL");
            }
        }
    }
}
