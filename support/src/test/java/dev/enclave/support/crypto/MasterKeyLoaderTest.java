package dev.enclave.support.crypto;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.SecretKey;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Issue 12, finding 15: a generated master-key file is the owner's alone from its creation on. */
class MasterKeyLoaderTest {

    private static final String SETTING = "enclave.token.master-key";
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

        SecretKey generated = MasterKeyLoader.readOrGenerate(file, SETTING);

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(OWNER_READ_WRITE);
        assertThat(Base64.getDecoder().decode(Files.readString(file))).isEqualTo(generated.getEncoded()).hasSize(32);
        assertThat(MasterKeyLoader.readOrGenerate(file, SETTING).getEncoded()).isEqualTo(generated.getEncoded());
    }

    @Test
    void withoutAKeyAndWithoutGenerationStartUpStopsNamingTheSettingAndItsVariable() {
        MasterKeyLoader.Settings settings = new MasterKeyLoader.Settings("enclave.instance", Optional.of(" "),
                Optional.empty(), false, dir.resolve("master.key"));

        assertThatThrownBy(() -> MasterKeyLoader.current(settings)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("No master key: set enclave.instance.master-key (env ENCLAVE_INSTANCE_MASTER_KEY)");
        assertThat(dir.resolve("master.key")).doesNotExist();
    }

    @Test
    void aConfiguredKeyWinsOverTheFileAndBlankPreviousKeysAreSkipped() {
        String configured = Base64.getEncoder().encodeToString(new byte[32]);
        byte[] older = new byte[32];
        older[0] = 1;
        MasterKeyLoader.Settings settings = new MasterKeyLoader.Settings("enclave.token", Optional.of(configured),
                Optional.of(List.of(Base64.getEncoder().encodeToString(older), "")), true, dir.resolve("master.key"));

        assertThat(MasterKeyLoader.current(settings).getEncoded()).isEqualTo(new byte[32]);
        assertThat(MasterKeyLoader.previous(settings)).singleElement().satisfies(k -> assertThat(k.getEncoded()).isEqualTo(older));
        assertThat(dir.resolve("master.key")).doesNotExist();
    }

    @Test
    void aMalformedPreviousKeyIsRefusedByItsPlaceWithoutRepeatingIt() {
        MasterKeyLoader.Settings settings = new MasterKeyLoader.Settings("enclave.token", Optional.empty(),
                Optional.of(List.of(Base64.getEncoder().encodeToString(new byte[32]), "c2hvcnQ=")), true,
                dir.resolve("master.key"));

        assertThatThrownBy(() -> MasterKeyLoader.previous(settings))
                .hasMessage("Master key from enclave.token.previous-master-keys[1] must be 32 bytes (AES-256), found 5");
    }
}
