package io.shiftq.reporting;

import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.report.QuantizationReport;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
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
    private final JobCleanup cleanup;

    JobResource(JobBoard board, ArtifactStore store, JobCleanup cleanup) {
        this.board = board;
        this.store = store;
        this.cleanup = cleanup;
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
        return board.job(id).orElseThrow(() -> notFound(unknown(id)));
    }

    /** Removes the job's artifacts (every attempt, the report) and hides it from every list. */
    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete the job's artifacts and hide it from the lists; a queued or running job needs force")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such job, or deleted already")
    @APIResponse(responseCode = "409", description = "The job is queued or running: cancel it first, or force=true")
    public Response delete(@PathParam("id") String id, @QueryParam("force") boolean force) {
        return switch (cleanup.delete(id, force)) {
            case DELETED -> Response.noContent().build();
            case UNKNOWN -> throw notFound(unknown(id));
            case ACTIVE ->
                throw new ClientErrorException(error(
                        Response.Status.CONFLICT,
                        "job '" + id + "' is "
                                + board.job(id).map(j -> j.state().name()).orElse("active")
                                + "; cancel it first (shiftq cancel " + id + "), or delete with force=true"));
        };
    }

    /** The report file, byte for byte as stored (sha256 checked). */
    @GET
    @Path("/{id}/report")
    @Operation(summary = "The job's QuantizationReport (report.json from the artifact store)")
    @APIResponse(responseCode = "404", description = "Unknown job, or its report is not ready yet")
    public Response report(@PathParam("id") String id) {
        return Response.ok(reportBytes(id), MediaType.APPLICATION_JSON).build();
    }

    private byte[] reportBytes(String id) {
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
        return store.read(job.report());
    }

    /** The job's progress events so far, oldest first: what the page's per-batch chart starts from. */
    @GET
    @Path("/{id}/progress")
    @Operation(summary = "The job's progress events so far, oldest first (at most the latest 10,000)")
    @APIResponse(responseCode = "404", description = "No event of this job has been seen")
    public List<StageProgress> progress(@PathParam("id") String id) {
        return board.progressHistory(id).orElseThrow(() -> notFound(unknown(id)));
    }

    /**
     * One file the report lists under {@code artifacts} (weights, checkpoints, every deployment file), read
     * through the artifact store: it must lie under the store's root and match its SHA-256.
     */
    @GET
    @Path("/{id}/artifacts/{name}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "A file the job's report lists under artifacts, e.g. final_ptq.weights.npz")
    @APIResponse(responseCode = "404", description = "Unknown job, no report yet, or no such artifact")
    public Response artifact(@PathParam("id") String id, @PathParam("name") String name) {
        QuantizationReport report =
                Json.read(new String(reportBytes(id), StandardCharsets.UTF_8), QuantizationReport.class);
        ArtifactRef ref = report.artifacts().get(name);
        if (ref == null) {
            throw notFound("job '" + id + "' has no artifact '" + name + "'; it has "
                    + report.artifacts().keySet());
        }
        java.nio.file.Path file = store.resolve(ref);
        return Response.ok(file.toFile(), MediaType.APPLICATION_OCTET_STREAM)
                .header("Content-Disposition", "attachment; filename=\"" + file.getFileName() + "\"")
                .build();
    }

    private static String unknown(String id) {
        return "no job '" + id + "' has been seen on the shiftq topics (or it was deleted)";
    }

    private static NotFoundException notFound(String message) {
        return new NotFoundException(error(Response.Status.NOT_FOUND, message));
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", message))
                .build();
    }
}
