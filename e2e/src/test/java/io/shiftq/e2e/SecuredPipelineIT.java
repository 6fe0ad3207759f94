package io.shiftq.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.cli.Main;
import io.shiftq.schema.Json;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The five packaged services on the secured mode of scripts/kafka.sh (SASL_SSL, SCRAM users, the ACLs of
 * scripts/kafka/acls.txt), each signed in as its own principal, run the tiny job end to end; the CLI submits and
 * watches as {@code cli}. {@link SecuredBrokerIT} shows what the same broker refuses.
 */
class SecuredPipelineIT {

    private static final Path WORK = Path.of("target/e2e-secured").toAbsolutePath();

    private static PackagedServices services;

    @BeforeAll
    static void start() throws Exception {
        services = PackagedServices.startSecured(WORK, PackagedServices.ALL);
    }

    @AfterAll
    static void stop() {
        if (services != null) {
            services.close();
        }
    }

    @Test
    void aJobRunsEndToEndWithEveryServiceAsItsOwnPrincipal() throws Exception {
        String jobId = "secured-" + System.currentTimeMillis();
        Path config = Path.of(SecuredPipelineIT.class.getResource("/tiny.yaml").toURI());
        assertThat(services.cli("submit", config.toString(), "--job-id", jobId)).isEqualTo(Main.OK);
        assertThat(services.cli("watch", jobId, "--timeout", "900"))
                .as("watch ends with the report")
                .isEqualTo(Main.OK);
        HttpResponse<String> job = services.get("reporting", "/jobs/" + jobId);
        assertThat(job.statusCode()).isEqualTo(200);
        assertThat(Json.mapper().readTree(job.body()).get("state").asText()).isEqualTo("REPORTED");
        assertThat(services.artifacts().resolve(jobId).resolve("report.json")).satisfies(Files::isRegularFile);
    }
}
