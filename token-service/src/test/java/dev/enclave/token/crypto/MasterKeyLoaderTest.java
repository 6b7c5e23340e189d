package dev.enclave.token.crypto;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.SecretKey;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Issue 12, finding 15: a generated master-key file is the owner's alone from its creation on. */
class MasterKeyLoaderTest {

    private static final Set<PosixFilePermission> OWNER_READ_WRITE =
            Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    @TempDir
    Path dir;

    private void assumePosix() {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
    }

    @Test
    void theFileIsCreatedOwnerOnlyBeforeAnyKeyByteIsWritten() throws Exception {
        assumePosix();
        Path file = dir.resolve("master.key");

        MasterKeyLoader.createOwnerOnly(file);

        assertThat(Files.size(file)).isZero();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(OWNER_READ_WRITE);
        assertThatThrownBy(() -> MasterKeyLoader.createOwnerOnly(file)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void aGeneratedKeyFileIs0600AndReadBackOnTheNextStart() throws Exception {
        assumePosix();
        Path file = dir.resolve("token-service").resolve("master.key");

        SecretKey generated = MasterKeyLoader.readOrGenerate(file);

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(OWNER_READ_WRITE);
        assertThat(Base64.getDecoder().decode(Files.readString(file))).isEqualTo(generated.getEncoded()).hasSize(32);
        assertThat(MasterKeyLoader.readOrGenerate(file).getEncoded()).isEqualTo(generated.getEncoded());
    }
}
