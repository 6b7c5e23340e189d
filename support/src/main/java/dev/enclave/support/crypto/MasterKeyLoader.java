package dev.enclave.support.crypto;

import org.jboss.logging.Logger;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds a service's AES-256 master key (from config, or, for local runs only, from a generated
 * file) and the keys of before a master-key rotation.
 */
public final class MasterKeyLoader {

    private static final Logger LOG = Logger.getLogger(MasterKeyLoader.class);
    private static final int KEY_BYTES = 32;

    /**
     * A service's master-key settings, as it reads them from its own config.
     *
     * @param prefix             the service's config prefix (e.g. {@code enclave.token}): messages name
     *                           {@code <prefix>.master-key} and its environment variable
     * @param masterKey          base64 of 32 random bytes; required unless {@code generate}
     * @param previousMasterKeys keys of before a rotation (base64), newest first: read, never written
     * @param generate           local and dev runs only: read or create {@code file} when no key is set
     */
    public record Settings(String prefix, Optional<String> masterKey, Optional<List<String>> previousMasterKeys,
                           boolean generate, Path file) {
    }

    private MasterKeyLoader() {
    }

    /** @throws IllegalStateException telling which setting to fix */
    public static SecretKey current(Settings settings) {
        String setting = settings.prefix() + ".master-key";
        if (settings.masterKey().isPresent() && !settings.masterKey().get().isBlank()) {
            return decode(settings.masterKey().get(), setting);
        }
        if (!settings.generate()) {
            throw new IllegalStateException("No master key: set " + setting + " (env " + environmentName(setting)
                    + ") to the base64 of 32 random bytes, e.g. the output of `openssl rand -base64 32`");
        }
        return readOrGenerate(settings.file(), setting);
    }

    /** Keys the service's secrets were encrypted under before, newest first, for decryption and re-encryption. */
    public static List<SecretKey> previous(Settings settings) {
        List<String> configured = settings.previousMasterKeys().orElse(List.of()).stream()
                .filter(key -> !key.isBlank()).toList();
        List<SecretKey> keys = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            keys.add(decode(configured.get(i), settings.prefix() + ".previous-master-keys[" + i + "]"));
        }
        return keys;
    }

    /** @param setting the setting production uses instead, for the warning */
    static SecretKey readOrGenerate(Path file, String setting) {
        try {
            if (Files.exists(file)) {
                return decode(Files.readString(file).trim(), file.toString());
            }
            byte[] raw = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(raw);
            Files.createDirectories(file.toAbsolutePath().getParent());
            createOwnerOnly(file);
            Files.writeString(file, Base64.getEncoder().encodeToString(raw), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            LOG.warnf("Generated a new master key in %s. This is for local runs only: production must set %s.",
                    file.toAbsolutePath(), setting);
            return new SecretKeySpec(raw, "AES");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create the master key file " + file.toAbsolutePath(), e);
        }
    }

    /**
     * Creates the empty file readable and writable by its owner only (0600) in the creating call
     * itself, so that no other user can open it between its creation and the key being written.
     * Fails if the file exists. On a file system without POSIX permissions it is created plainly.
     */
    static void createOwnerOnly(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            LOG.debugf("File system of %s has no POSIX permissions; creating it with its defaults", file);
            Files.createFile(file);
        }
    }

    /** @param source where the key came from, for the message (never the key itself) */
    public static SecretKey decode(String base64, String source) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Master key from " + source + " is not valid base64");
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalStateException("Master key from " + source + " must be 32 bytes (AES-256), found "
                    + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }

    private static String environmentName(String setting) {
        return setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
