package io.shiftq.reporting;

import io.shiftq.messaging.Channels;
import io.shiftq.messaging.EventRecords;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.Stage;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** The page's form: a YAML config in, the QuantizationRequested that {@code shiftq submit} would publish out. */
@Path("/jobs")
public class SubmitResource {

    /** How long a submission waits for the broker to take the request. */
    private static final Duration BROKER_ACK = Duration.ofSeconds(30);

    private final MutinyEmitter<String> requests;

    SubmitResource(@Channel(Channels.REQUESTS_OUT) MutinyEmitter<String> requests) {
        this.requests = requests;
    }

    /** Validates the form like the CLI does and publishes the request on shiftq.requests. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a request: job_id (optional), variant (custom|aimet), config (YAML text)")
    @APIResponse(responseCode = "202", description = "Published; the body names the job id")
    @APIResponse(responseCode = "400", description = "problems: one per bad field, each naming the field and key")
    @APIResponse(responseCode = "503", description = "The broker did not confirm the request within 30 s")
    public Response submit(Submission.Form form) {
        QuantizationRequested request;
        try {
            request = Submission.request(form);
        } catch (Submission.Invalid e) {
            return Response.status(Response.Status.BAD_REQUEST)
                    .entity(Map.of("problems", e.problems()))
                    .build();
        }
        try {
            requests.sendMessage(EventRecords.of(request, Stage.REPORTING, request.requestedAt()))
                    .await()
                    .atMost(BROKER_ACK);
        } catch (RuntimeException e) {
            // The form stays filled in; the person can submit again once the broker answers.
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .entity(Map.of("error", "the request could not be published to Kafka: " + e.getMessage()))
                    .build();
        }
        return Response.accepted(Map.of("job_id", request.jobId())).build();
    }
}
