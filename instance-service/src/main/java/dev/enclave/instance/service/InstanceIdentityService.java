package dev.enclave.instance.service;

import dev.enclave.instance.domain.InstanceIdentity;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.UUID;

/** The instance UUID: created on first start, then read once and kept. */
@ApplicationScoped
public class InstanceIdentityService {

    private static final Logger LOG = Logger.getLogger(InstanceIdentityService.class);

    private final Clock clock;
    private volatile String instanceId;

    public InstanceIdentityService(Clock clock) {
        this.clock = clock;
    }

    void onStart(@Observes @Priority(1) StartupEvent event) {
        instanceId = loadOrCreate();
        LOG.infof("Instance id %s", instanceId);
    }

    public String instanceId() {
        String id = instanceId;
        if (id == null) {
            id = loadOrCreate();
            instanceId = id;
        }
        return id;
    }

    @Transactional
    String loadOrCreate() {
        InstanceIdentity identity = InstanceIdentity.findById(InstanceIdentity.SINGLETON_ID);
        if (identity == null) {
            identity = new InstanceIdentity();
            identity.id = InstanceIdentity.SINGLETON_ID;
            identity.instanceUuid = UUID.randomUUID().toString();
            identity.createdAt = clock.instant();
            identity.persist();
        }
        return identity.instanceUuid;
    }
}
