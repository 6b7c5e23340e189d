package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.domain.FeatureSetting;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.service.AiCatalog;
import dev.enclave.instance.service.AiSettingsService;
import dev.enclave.instance.service.ModelConnectionCheck;
import dev.enclave.instance.service.SelfHostedModels;
import dev.enclave.instance.service.UsageReport;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Admin configuration of GitLab Duo Self-Hosted, as REST (GitLab does it through GraphQL with the
 * same fields): self-hosted models, per-feature routing, the AI settings, and the connection check.
 */
@Path("/api/v4/admin/ai")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AdminAiResource {

    public record ModelFields(String name, String model, String provider, String endpoint, String identifier,
                              @JsonProperty("api_token") String apiToken) {
        @Override
        public String toString() {
            return "ModelFields[name=" + name + "]";
        }

        SelfHostedModels.Fields fields() {
            return new SelfHostedModels.Fields(name, model, provider, endpoint, identifier, apiToken);
        }
    }

    /** Never the key itself: only whether one is set. */
    public record ModelView(long id, String name, String model, String provider, String endpoint, String identifier,
                            @JsonProperty("has_api_token") boolean hasApiToken,
                            @JsonProperty("release_state") String releaseState,
                            @JsonProperty("feature_settings") List<String> featureSettings,
                            @JsonProperty("created_at") Instant createdAt,
                            @JsonProperty("updated_at") Instant updatedAt) {
    }

    public record FeatureSettingFields(String provider,
                                       @JsonProperty("ai_self_hosted_model_id") Long aiSelfHostedModelId) {
    }

    public record FeatureSettingView(String feature, String provider,
                                     @JsonProperty("ai_self_hosted_model_id") Long aiSelfHostedModelId,
                                     @JsonProperty("compatible_models") List<String> compatibleModels) {
    }

    public record SettingsFields(@JsonProperty("ai_gateway_url") String aiGatewayUrl,
                                 @JsonProperty("cloud_gateway_url") String cloudGatewayUrl,
                                 @JsonProperty("ai_gateway_timeout_seconds") Integer aiGatewayTimeoutSeconds,
                                 @JsonProperty("enabled_instance_verbose_ai_logs") Boolean verboseAiLogs,
                                 @JsonProperty("duo_direct_access_enabled") Boolean directAccessEnabled,
                                 @JsonProperty("offline_mode") Boolean offlineMode,
                                 @JsonProperty("egress_allowed_cidrs") List<String> egressAllowedCidrs) {
    }

    public record SettingsView(@JsonProperty("ai_gateway_url") String aiGatewayUrl,
                               @JsonProperty("cloud_gateway_url") String cloudGatewayUrl,
                               @JsonProperty("ai_gateway_timeout_seconds") long aiGatewayTimeoutSeconds,
                               @JsonProperty("enabled_instance_verbose_ai_logs") boolean verboseAiLogs,
                               @JsonProperty("duo_direct_access_enabled") boolean directAccessEnabled,
                               @JsonProperty("offline_mode") boolean offlineMode,
                               @JsonProperty("egress_allowed_cidrs") List<String> egressAllowedCidrs) {
        static SettingsView of(AiSettingsService.Effective e) {
            return new SettingsView(e.aiGatewayUrl(), e.cloudGatewayUrl().orElse(null), e.gatewayTimeout().toSeconds(),
                    e.verboseAiLogs(), e.directAccessEnabled(), e.offlineMode(), e.egressAllowedCidrs());
        }
    }

    private final CurrentUser currentUser;
    private final SelfHostedModels models;
    private final AiSettingsService settings;
    private final ModelConnectionCheck connectionCheck;
    private final UsageReport usage;
    private final java.time.Clock clock;

    public AdminAiResource(CurrentUser currentUser, SelfHostedModels models, AiSettingsService settings,
                           ModelConnectionCheck connectionCheck, UsageReport usage, java.time.Clock clock) {
        this.usage = usage;
        this.clock = clock;
        this.currentUser = currentUser;
        this.models = models;
        this.settings = settings;
        this.connectionCheck = connectionCheck;
    }

    @GET
    @Path("/self_hosted_models")
    public List<ModelView> models() {
        currentUser.requireAdmin();
        return SelfHostedModel.<SelfHostedModel>list("order by id").stream().map(this::view).toList();
    }

    @POST
    @Path("/self_hosted_models")
    public Response create(ModelFields body) {
        currentUser.requireAdmin();
        SelfHostedModel model = models.create(currentUser.actor(), UsersResource.require(body).fields());
        return Response.status(Response.Status.CREATED).entity(view(model)).build();
    }

    @GET
    @Path("/self_hosted_models/{id}")
    public ModelView model(@PathParam("id") long id) {
        currentUser.requireAdmin();
        return view(models.find(id));
    }

    @PUT
    @Path("/self_hosted_models/{id}")
    public ModelView update(@PathParam("id") long id, ModelFields body) {
        currentUser.requireAdmin();
        return view(models.update(currentUser.actor(), id, UsersResource.require(body).fields()));
    }

    @DELETE
    @Path("/self_hosted_models/{id}")
    public Response delete(@PathParam("id") long id) {
        currentUser.requireAdmin();
        models.delete(currentUser.actor(), id);
        return Response.noContent().build();
    }

    /** Sends a real request through gateway and adapter to the model: {@code {success, message, errors}}. */
    @POST
    @Path("/self_hosted_models/{id}/connection_check")
    @Blocking
    public Uni<ModelConnectionCheck.Result> check(@PathParam("id") long id) {
        currentUser.requireAdmin();
        return connectionCheck.check(models.find(id));
    }

    /** Checks fields before saving them (the key too, if given). */
    @POST
    @Path("/self_hosted_models/connection_check")
    @Blocking
    public Uni<ModelConnectionCheck.Result> checkUnsaved(ModelFields body) {
        currentUser.requireAdmin();
        return connectionCheck.check(UsersResource.require(body).fields());
    }

    @GET
    @Path("/feature_settings")
    public List<FeatureSettingView> featureSettings() {
        currentUser.requireAdmin();
        Map<String, FeatureSetting> stored = FeatureSetting.<FeatureSetting>listAll().stream()
                .collect(Collectors.toMap(f -> f.feature, Function.identity()));
        List<SelfHostedModel> all = SelfHostedModel.listAll();
        return AiCatalog.features().stream().map(feature -> {
            FeatureSetting setting = stored.get(feature);
            List<String> compatible = all.stream().filter(m -> AiCatalog.compatible(feature, m.model))
                    .map(m -> m.name).toList();
            return setting == null ? new FeatureSettingView(feature, FeatureSetting.UNASSIGNED, null, compatible)
                    : new FeatureSettingView(feature, setting.provider,
                    setting.selfHostedModel == null ? null : setting.selfHostedModel.id, compatible);
        }).toList();
    }

    @PUT
    @Path("/feature_settings/{feature}")
    public FeatureSettingView route(@PathParam("feature") String feature, FeatureSettingFields body) {
        currentUser.requireAdmin();
        FeatureSettingFields request = UsersResource.require(body);
        FeatureSetting setting = models.route(currentUser.actor(), feature, request.provider(),
                request.aiSelfHostedModelId());
        return new FeatureSettingView(feature, setting.provider,
                setting.selfHostedModel == null ? null : setting.selfHostedModel.id, null);
    }

    @GET
    @Path("/settings")
    public SettingsView settings() {
        currentUser.requireAdmin();
        return SettingsView.of(settings.current());
    }

    @PUT
    @Path("/settings")
    public SettingsView updateSettings(SettingsFields body) {
        currentUser.requireAdmin();
        SettingsFields request = UsersResource.require(body);
        return SettingsView.of(settings.update(currentUser.actor(), new AiSettingsService.Update(request.aiGatewayUrl(),
                request.cloudGatewayUrl(), request.aiGatewayTimeoutSeconds(), request.verboseAiLogs(),
                request.directAccessEnabled(), request.offlineMode(), request.egressAllowedCidrs())));
    }

    public record UsageUser(long id, String username) {
    }

    /** One group of usage records: exactly one of {@code user}, {@code model}, {@code feature}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UsageView(UsageUser user, String model, String feature, long requests,
                            @JsonProperty("successful_requests") long successfulRequests,
                            @JsonProperty("failed_requests") long failedRequests,
                            @JsonProperty("requests_with_token_counts") long requestsWithTokenCounts,
                            @JsonProperty("input_tokens") long inputTokens,
                            @JsonProperty("output_tokens") long outputTokens,
                            @JsonProperty("average_latency_ms") long averageLatencyMs) {
    }

    /**
     * AI usage aggregated per user, model or feature ({@code group_by}, default user) over
     * {@code [from, to)} (default: the last 30 days), the busiest first, paginated as GitLab does.
     * Records reach the database within {@code enclave.instance.usage.flush-interval}.
     */
    @GET
    @Path("/usage")
    public Response usage(@QueryParam("from") String from, @QueryParam("to") String to,
                          @QueryParam("group_by") String groupBy, @QueryParam("page") String page,
                          @QueryParam("per_page") String perPage, @Context UriInfo uri) {
        currentUser.requireAdmin();
        UsageReport.GroupBy by = UsageReport.GroupBy.of(groupBy);
        UsageReport.Window window = UsageReport.Window.of(from, to, clock.instant());
        Pagination pagination = Pagination.of(page, perPage);
        Pagination.Source<UsageReport.Row> rows = usage.grouped(by, window);
        return pagination.respond(new Pagination.Source<UsageView>() {
            @Override
            public long count() {
                return rows.count();
            }

            @Override
            public List<UsageView> rows(int first, int max) {
                List<UsageReport.Row> page = rows.rows(first, max);
                Map<Long, String> names = by == UsageReport.GroupBy.USER ? UsageReport.usernames(page) : Map.of();
                return page.stream().map(row -> new UsageView(
                        by == UsageReport.GroupBy.USER ? new UsageUser((Long) row.key(), names.get((Long) row.key())) : null,
                        by == UsageReport.GroupBy.MODEL ? (String) row.key() : null,
                        by == UsageReport.GroupBy.FEATURE ? (String) row.key() : null,
                        row.requests(), row.successful(), row.requests() - row.successful(), row.withTokenCounts(),
                        row.inputTokens(), row.outputTokens(), row.averageLatencyMs())).toList();
            }
        }, uri);
    }

    private ModelView view(SelfHostedModel model) {
        List<String> features = FeatureSetting.<FeatureSetting>list("selfHostedModel.id", model.id).stream()
                .map(f -> f.feature).toList();
        return new ModelView(model.id, model.name, model.model, model.provider, model.endpoint, model.identifier,
                models.hasApiToken(model), AiCatalog.releaseState(model.model), features, model.createdAt,
                model.updatedAt);
    }
}
