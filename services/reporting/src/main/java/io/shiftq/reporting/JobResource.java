package io.shiftq.reporting;

import io.shiftq.schema.artifact.ArtifactStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Jobs as the reporting service sees them, and their reports. */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    private final JobBoard board;
    private final ArtifactStore store;

    JobResource(JobBoard board, ArtifactStore store) {
        this.board = board;
        this.store = store;
    }

    /** Every job seen, oldest first. */
    @GET
    @Operation(summary = "Every job seen on the shiftq topics, oldest first")
    public List<JobView> jobs() {
        return board.jobs();
    }

    /** One job: state, finished stages, latest progress, failures. */
    @GET
    @Path("/{id}")
    @Operation(summary = "One job: state, finished stages in pipeline order, latest progress, failures")
    @APIResponse(responseCode = "404", description = "No event of this job has been seen")
    public JobView job(@PathParam("id") String id) {
        return board.job(id).orElseThrow(() -> notFound("no job '" + id + "' has been seen on the shiftq topics"));
    }

    /** The report file, byte for byte as stored (sha256 checked). */
    @GET
    @Path("/{id}/report")
    @Operation(summary = "The job's QuantizationReport (report.json from the artifact store)")
    @APIResponse(responseCode = "404", description = "Unknown job, or its report is not ready yet")
    public Response report(@PathParam("id") String id) {
        JobView job = job(id);
        if (job.report() == null) {
            String why = switch (job.state()) {
                case FAILED -> "the job failed: " + job.reason();
                case REQUESTED -> "no stage has finished yet";
                default ->
                    "stages finished so far: "
                            + job.stages().stream().map(s -> s.stage().id()).toList();
            };
            throw notFound("report of job '" + id + "' is not ready (" + job.state() + "): " + why);
        }
        return Response.ok(store.read(job.report()), MediaType.APPLICATION_JSON).build();
    }

    private static NotFoundException notFound(String message) {
        return new NotFoundException(Response.status(Response.Status.NOT_FOUND)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", message))
                .build());
    }
}
