package dev.enclave.token.crypto;

import dev.enclave.token.config.TokenServiceConfig;
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
import java.util.Base64;

/** Finds the AES-256 master key: from config, or (local runs only) from a generated file. */
final class MasterKeyLoader {

    private static final Logger LOG = Logger.getLogger(MasterKeyLoader.class);
    private static final int KEY_BYTES = 32;

    private MasterKeyLoader() {
    }

    static SecretKey load(TokenServiceConfig config) {
        if (config.masterKey().isPresent() && !config.masterKey().get().isBlank()) {
            return decode(config.masterKey().get(), "enclave.token.master-key");
        }
        if (!config.generateMasterKey()) {
            throw new IllegalStateException("No master key: set enclave.token.master-key (env ENCLAVE_TOKEN_MASTER_KEY) "
                    + "to the base64 of 32 random bytes, e.g. the output of `openssl rand -base64 32`");
        }
        return readOrGenerate(config.masterKeyFile());
    }

    static SecretKey readOrGenerate(Path file) {
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
            LOG.warnf("Generated a new master key in %s. This is for local runs only: production must set "
                    + "enclave.token.master-key.", file.toAbsolutePath());
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

    private static SecretKey decode(String base64, String source) {
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
}
