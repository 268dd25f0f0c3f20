package dev.strata.cli;

import dev.strata.gateway.auth.DevCertificates;
import dev.strata.gateway.auth.Users;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code strata user add|passwd|remove} and {@code strata cert}: thin wrappers over the gateway's auth package. */
final class AdminCommands {
    static final String USAGE = """
            usage: strata user add|passwd NAME --file USERS_FILE [--generate]   (password read from stdin)
                   strata user remove NAME --file USERS_FILE
                   strata cert [--dir DIR] [--host NAME_OR_IP]... [--days N]
              user    manage the users file of the auth file (bcrypt hashes); --generate makes a random
                      secret for a robot/CI account and prints it instead of reading stdin
              cert    write a local CA (ca.crt, ca.key) and a server certificate signed by it
                      (server.crt, server.key) into DIR (default ./certs); hosts default to
                      localhost, 127.0.0.1 and ::1; the CA is reused when DIR already holds one
            """;

    private AdminCommands() {}

    static int user(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length < 3) return usage(err, "strata user: missing arguments");
        String verb = args[1];
        String name = args[2];
        Path file = null;
        boolean generate = false;
        for (int i = 3; i < args.length; i++) {
            if (args[i].equals("--file") && i + 1 < args.length) file = Path.of(args[++i]);
            else if (args[i].startsWith("--file=")) file = Path.of(args[i].substring(7));
            else if (args[i].equals("--generate")) generate = true;
            else return usage(err, "strata user: unknown option '" + args[i] + "'");
        }
        if (file == null) return usage(err, "strata user: --file USERS_FILE is required");
        try {
            Users.checkName(name);
            switch (verb) {
                case "add", "passwd" -> {
                    String password = generate ? Users.generateSecret() : readPassword(in);
                    Users.set(file, name, password, verb.equals("passwd"));
                    if (generate) out.println(password);
                    err.println("strata user: " + (verb.equals("add") ? "added " : "changed the password of ") + name + " in " + file);
                }
                case "remove" -> {
                    Users.remove(file, name);
                    err.println("strata user: removed " + name + " from " + file);
                }
                default -> {
                    return usage(err, "strata user: unknown action '" + verb + "' (add, passwd or remove)");
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("strata user: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("strata user: " + e);
            return 1;
        }
    }

    /** The first line of stdin, without its line end. */
    private static String readPassword(InputStream in) throws java.io.IOException {
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isEmpty()) throw new IllegalArgumentException("no password on standard input");
        return line;
    }

    static int cert(String[] args, PrintStream err) {
        Path dir = Path.of("certs");
        List<String> hosts = new ArrayList<>();
        int days = 365;
        try {
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--dir") && i + 1 < args.length) dir = Path.of(args[++i]);
                else if (a.equals("--host") && i + 1 < args.length) hosts.add(args[++i]);
                else if (a.equals("--days") && i + 1 < args.length) days = Integer.parseInt(args[++i]);
                else return usage(err, "strata cert: unknown or incomplete option '" + a + "'");
            }
            if (days < 1 || days > 3650) return usage(err, "strata cert: --days must be 1..3650");
            if (hosts.isEmpty()) hosts = List.of("localhost", "127.0.0.1", "::1");
            DevCertificates.generate(dir, hosts, Duration.ofDays(days));
            err.println("strata cert: wrote " + dir.resolve(DevCertificates.CA_CERT) + " (trust this), "
                    + dir.resolve(DevCertificates.SERVER_CERT) + " and " + dir.resolve(DevCertificates.SERVER_KEY) + " for " + hosts);
            return 0;
        } catch (NumberFormatException e) {
            return usage(err, "strata cert: --days must be a number");
        } catch (Exception e) {
            err.println("strata cert: " + e.getMessage());
            return 1;
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println(message);
        err.print(USAGE);
        return 2;
    }
}
