package io.shiftq.reporting;

import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Job changes pushed as server-sent events, one JSON job snapshot per event; the page listens here. */
@Path("/job-events")
public class JobEventsResource {

    private final JobUpdates updates;

    JobEventsResource(JobUpdates updates) {
        this.updates = updates;
    }

    /** Every job's snapshot now, then each job again whenever it changes. */
    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Server-sent events: every job now, then each job again whenever it changes")
    public Multi<JobView> all() {
        return updates.all();
    }

    /** The job's snapshot now (if known), then again whenever it changes: progress, a stage, a failure, the report. */
    @GET
    @Path("/{id}")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Server-sent events: the job now, then again on every progress, completion, failure or report")
    public Multi<JobView> job(@PathParam("id") String id) {
        return updates.job(id);
    }
}
