package dev.strata.gateway.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * The users file: one {@code name:bcrypt-hash} per line ({@code #} starts a comment), written with
 * mode 600. Re-read when it changes on disk, so {@code strata user add} takes effect on a running
 * server. Passwords are checked with Bouncy Castle's OpenBSD bcrypt (cost {@value #COST}).
 */
public final class Users {
    public static final int COST = 10;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
    /** Checked for unknown users too, so a wrong name costs the same time as a wrong password. */
    private static final String DUMMY = OpenBSDBCrypt.generate("2b", "dummy".toCharArray(), new byte[16], COST);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private Map<String, String> hashes = Map.of();
    private Object loadedStamp = "never";

    public Users(Path file) {
        this.file = file;
        reloadIfChanged();
    }

    /** Whether the password is the user's. Blocking: bcrypt takes tens of milliseconds. */
    public boolean verify(String name, String password) {
        String hash = snapshot().get(name);
        byte[] pw = password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
        if (pw.length == 0 || pw.length > 72) return false;
        try {
            boolean ok = OpenBSDBCrypt.checkPassword(hash == null ? DUMMY : hash, password.toCharArray());
            return hash != null && ok;
        } catch (IllegalArgumentException | org.bouncycastle.crypto.DataLengthException e) {
            return false;
        }
    }

    /**
     * A fingerprint of the user's current password hash (SHA-256 of it, hex), or null when there is
     * no such user. Refresh tokens carry it, so changing the password or removing the user revokes
     * every refresh token issued before.
     */
    public String fingerprint(String name) {
        String hash = snapshot().get(name);
        if (hash == null) return null;
        return java.util.HexFormat.of().formatHex(dev.strata.core.oci.Digest.newSha256().digest(hash.getBytes(StandardCharsets.UTF_8)));
    }

    public boolean exists(String name) {
        return snapshot().containsKey(name);
    }

    private synchronized Map<String, String> snapshot() {
        reloadIfChanged();
        return hashes;
    }

    private synchronized void reloadIfChanged() {
        try {
            // every write replaces the file (a new inode), so the file key changes even within one clock tick
            Object stamp = "absent";
            if (Files.exists(file)) {
                var a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
                stamp = java.util.List.of(String.valueOf(a.fileKey()), a.lastModifiedTime(), a.size());
            }
            if (stamp.equals(loadedStamp)) return;
            hashes = stamp.equals("absent") ? Map.of() : read(file);
            loadedStamp = stamp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read users file " + file + ": " + e.getMessage(), e);
        }
    }

    static Map<String, String> read(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            int colon = l.indexOf(':');
            if (colon <= 0 || !l.startsWith("$2", colon + 1)) {
                throw new IllegalArgumentException(file + " line " + n + ": expected name:bcrypt-hash");
            }
            out.put(l.substring(0, colon), l.substring(colon + 1));
        }
        return out;
    }

    /** Validates a user name: letters, digits, and . _ @ - after the first character; up to 128. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid user name '" + name + "': letters, digits and . _ @ - (up to 128)");
        }
        return name;
    }

    public static String hash(String password) {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        if (pw.length < 8) throw new IllegalArgumentException("password must be at least 8 bytes");
        if (pw.length > 72) throw new IllegalArgumentException("password must be at most 72 bytes (a bcrypt limit)");
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2b", password.toCharArray(), salt, COST);
    }

    /** A random secret for a robot (CI) account: 32 bytes, base64url. */
    public static String generateSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b).substring(0, 43);
    }

    /** Adds (when {@code mustExist} is false) or changes (true) a user's password, rewriting the file atomically. */
    public static void set(Path file, String name, String password, boolean mustExist) throws IOException {
        checkName(name);
        Map<String, String> all = Files.exists(file) ? read(file) : new LinkedHashMap<>();
        if (mustExist && !all.containsKey(name)) throw new IllegalArgumentException("no user '" + name + "' in " + file);
        if (!mustExist && all.containsKey(name)) throw new IllegalArgumentException("user '" + name + "' already exists in " + file);
        all.put(name, hash(password));
        write(file, all);
    }

    public static void remove(Path file, String name) throws IOException {
        Map<String, String> all = Files.exists(file) ? read(file) : new LinkedHashMap<>();
        if (all.remove(name) == null) throw new IllegalArgumentException("no user '" + name + "' in " + file);
        write(file, all);
    }

    private static void write(Path file, Map<String, String> all) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".users", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder sb = new StringBuilder("# strata users: name:bcrypt-hash (managed by strata user add|passwd|remove)\n");
        all.forEach((k, v) -> sb.append(k).append(':').append(v).append('\n'));
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
