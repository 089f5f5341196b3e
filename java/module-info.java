/**
 * Walloc's Java face: a tiered memory allocator over a C core reached through JNI.
 *
 * <p>{@code io.walloc} (the allocator, blocks, statistics) and {@code io.walloc.assets} (the
 * asset registry and HTTP loading) are the API; {@code io.walloc.demo} is the command line and
 * stays internal. On the module path, grant the JNI library with
 * {@code --enable-native-access=io.walloc} (JDK 24+ warns without it); on the class path,
 * {@code ALL-UNNAMED} as before.
 */
module io.walloc {
    requires java.net.http;            // AssetLoader: the JDK's HttpClient
    requires jdk.unsupported;          // DirectAddress on JDK 17-21 (sun.misc.Unsafe)
    // AllocationSample, a JFR event per sampled allocation: used only when jdk.jfr is in the
    // runtime (Profiler checks), so a runtime without it runs Walloc, profiles included
    requires static jdk.jfr;

    // The demo only: library users need none of these at run time.
    requires static jdk.httpserver;    // its embedded asset server
    requires static info.picocli;      // its command line
    requires static me.tongfei.progressbar;

    exports io.walloc;
    exports io.walloc.assets;
    opens io.walloc.demo to info.picocli; // picocli fills the command's fields reflectively
}
