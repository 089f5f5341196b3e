package io.walloc.demo;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code walloc} command line (run by the {@code ./walloc} script at the repository root).
 * Subcommands: {@code demo} ({@link DemoCommand}). Bad arguments print one line and exit 2;
 * failures while running print one line and exit 1 ({@code --verbose} adds the stack trace).
 */
@Command(name = "walloc", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class},
        description = {"Walloc: a tiered memory allocator (C11 core, Java over JNI, WebAssembly).", "",
                "Try:  walloc demo          load generated assets from an embedded server into the tiers",
                "      walloc demo --help   everything the demo can do"})
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    /**
     * Runs the command line.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command line without exiting.
     *
     * @param args the arguments
     * @return the exit status: 0 success, 1 failure, 2 bad arguments
     */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage() + " (see '"
                    + c.getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            PrintWriter err = c.getErr();
            boolean verbose = parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--verbose");
            if (ex instanceof UsageError) {
                err.println(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage() + " (see '"
                        + c.getCommandSpec().qualifiedName() + " --help')");
                err.flush();
                return 2;
            }
            err.println(c.getCommandSpec().qualifiedName() + ": error: " + describe(ex));
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cl;
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isEmpty()) {
            m = t.getClass().getSimpleName();
        }
        Throwable c = t.getCause();
        if (c != null && c.getMessage() != null && !m.contains(c.getMessage())) {
            m += " (" + c.getMessage() + ")";
        }
        return m.replace('\n', ' ');
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'walloc demo'");
    }

    /** An argument that passed parsing but is not usable: one line, exit 2. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    /** The version line: the jar's Implementation-Version and the JVM. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"walloc " + (v == null ? "(development build)" : v) + " on Java "
                    + System.getProperty("java.version") + " (" + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ")"};
        }
    }
}
