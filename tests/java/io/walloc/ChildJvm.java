package io.walloc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged jar and a JVM to run it in, for the integration tests (Failsafe, after package). */
final class ChildJvm {
    private ChildJvm() {}

    /** The built jar (Failsafe passes its path as walloc.jar). */
    static Path jar() {
        String p = System.getProperty("walloc.jar");
        assertTrue(p != null && Files.isRegularFile(Paths.get(p)), "walloc.jar property names the built jar: " + p);
        return Paths.get(p);
    }

    /** The java executable the tests run on (walloc.test.jvm), else this JVM's. */
    static String java() {
        return System.getProperty("walloc.test.jvm", Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    }

    static final class Result {
        final int exit;
        final String out;

        Result(int exit, String out) {
            this.exit = exit;
            this.out = out;
        }
    }

    /** Runs java with args in cwd; stdout and stderr together. */
    static Result run(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
