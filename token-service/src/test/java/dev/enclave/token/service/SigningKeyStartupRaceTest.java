package dev.enclave.token.service;

import dev.enclave.token.domain.SigningKey;
import io.quarkus.arc.ClientProxy;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12, finding 9: the database holds at most one signing key, so replicas starting on an
 * empty database agree on one. Both replicas' inserts are run here, against one database.
 */
@QuarkusTest
class SigningKeyStartupRaceTest {

    @Inject
    SigningKeyStore injected;

    SigningKeyStore store() {
        return ClientProxy.unwrap(injected);
    }

    /** The application goes on with whichever key signs now. */
    @AfterEach
    void resumeSigning() {
        store().maintain();
    }

    static long countSigning() {
        return QuarkusTransaction.requiringNew().call(() -> SigningKey.count("signingSlot", SigningKey.SIGNING));
    }

    @Test
    void twoReplicasCreatingTheFirstKeyAtOnceEndWithOneKeyBothUse() throws Exception {
        QuarkusTransaction.requiringNew().run(() -> SigningKey.deleteAll());
        Instant now = Instant.now();
        List<SigningKey> candidates = List.of(store().generate(now, now), store().generate(now, now));
        CyclicBarrier bothReady = new CyclicBarrier(2);
        ExecutorService replicas = Executors.newFixedThreadPool(2);
        try {
            List<Future<SigningKeyStore.ActiveKey>> started = candidates.stream().map(candidate -> replicas.submit(() -> {
                bothReady.await(10, TimeUnit.SECONDS);
                return store().installOrAdopt(candidate);
            })).toList();

            String first = started.get(0).get(30, TimeUnit.SECONDS).kid();
            String second = started.get(1).get(30, TimeUnit.SECONDS).kid();

            assertThat(first).isEqualTo(second).isIn(candidates.get(0).kid, candidates.get(1).kid);
            assertThat(countSigning()).isEqualTo(1);
            assertThat(QuarkusTransaction.requiringNew().call(() -> SigningKey.count())).isEqualTo(1L);
        } finally {
            replicas.shutdownNow();
        }
    }

    @Test
    void aReplicaStartingLateAdoptsTheKeyItFinds() {
        String existing = store().ensureSigningKey().kid();
        Instant now = Instant.now();
        SigningKey late = store().generate(now, now);

        assertThat(store().installOrAdopt(late).kid()).isEqualTo(existing);
        assertThat(countSigning()).isEqualTo(1);
        assertThat(QuarkusTransaction.requiringNew().call(() -> SigningKey.findByIdOptional(late.kid))).isEmpty();
    }

    @Test
    void theDatabaseRefusesASecondSigningKeyAndASecondNextKey() {
        QuarkusTransaction.requiringNew().run(() -> SigningKey.delete("signingSlot", SigningKey.NEXT));
        Instant now = Instant.now();
        for (short slot : new short[]{SigningKey.SIGNING, SigningKey.NEXT}) {
            SigningKey one = store().generate(now, now);
            SigningKey two = store().generate(now, now);
            one.signingSlot = slot;
            two.signingSlot = slot;
            if (slot == SigningKey.NEXT) {
                QuarkusTransaction.requiringNew().run(one::persistAndFlush);
            }
            assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(two::persistAndFlush))
                    .as("a second key in slot %d", slot).isInstanceOf(RuntimeException.class);
            QuarkusTransaction.requiringNew().run(() -> SigningKey.delete("kid", one.kid));
        }
        assertThat(countSigning()).isEqualTo(1);
    }
}
