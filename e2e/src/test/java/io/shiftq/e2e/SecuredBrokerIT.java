package io.shiftq.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.shiftq.messaging.KafkaClients;
import io.shiftq.messaging.KafkaSettings;
import io.shiftq.messaging.Workers;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.Topics;
import io.shiftq.testsupport.KafkaBroker;
import io.shiftq.testsupport.SecuredBroker;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The secured mode of scripts/kafka.sh (SASL_SSL, SCRAM users, the ACLs of scripts/kafka/acls.txt): the broker refuses
 * a client without valid credentials, and a service writing or reading where its ACLs do not let it, and nothing of
 * the refused records reaches the topic.
 */
class SecuredBrokerIT {

    private static SecuredBroker broker;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.startSecured();
    }

    @Test
    void aClientWithoutValidCredentialsCannotPublishARequest() throws Exception {
        long before = endOffsets(Topics.REQUESTS);
        assertThat(refusal(signedInAs("cli", "guessed"), Topics.REQUESTS))
                .isInstanceOf(SaslAuthenticationException.class);
        assertThat(refusal(signedInAs("mallory", "x"), Topics.REQUESTS))
                .isInstanceOf(SaslAuthenticationException.class);

        // PLAINTEXT on the SASL_SSL port: no TLS session, so no request ever reaches the log.
        assertThat(refusal(new Properties(), Topics.REQUESTS)).isNotNull();

        assertThat(endOffsets(Topics.REQUESTS))
                .as("records in " + Topics.REQUESTS)
                .isEqualTo(before);
    }

    @Test
    void aServiceCanWriteOnlyItsOwnOutput() throws Exception {
        Map<String, String> forbidden = Map.of(
                "ptq", Topics.REQUESTS,
                "calibration", Topics.CONTROL,
                "qat", "shiftq.final-ptq.done",
                "final-ptq", "shiftq.calibration.done",
                "aimet-worker", Topics.REPORTS);
        for (Map.Entry<String, String> attempt : forbidden.entrySet()) {
            long before = endOffsets(attempt.getValue());
            assertThat(refusal(broker.client(attempt.getKey()), attempt.getValue()))
                    .as(attempt.getKey() + " writing to " + attempt.getValue())
                    .isInstanceOf(TopicAuthorizationException.class);
            assertThat(endOffsets(attempt.getValue()))
                    .as("records in " + attempt.getValue())
                    .isEqualTo(before);
        }
    }

    @Test
    void aStageCannotReadTheReports() {
        Throwable refused = null;
        try (KafkaConsumer<String, String> reader = KafkaClients.readerFromStart(
                new KafkaSettings(broker.bootstrap(), broker.client("calibration")), List.of(Topics.REPORTS))) {
            reader.poll(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            refused = e;
        }
        assertThat(refused).isInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void reportingAndTheCliCanSeeWhoServesEachStageAndAStageCannot() throws Exception {
        // The "no worker is running" notice needs Describe on the stage services' groups (acls.txt, describes).
        for (String principal : List.of("reporting", "cli")) {
            try (Admin admin = KafkaClients.admin(new KafkaSettings(broker.bootstrap(), broker.client(principal)))) {
                Map<String, Integer> members = Workers.members(admin, Workers.allGroups(), Duration.ofSeconds(30));
                assertThat(members)
                        .as(principal + " describing the worker groups")
                        .containsOnlyKeys(Workers.allGroups());
                assertThat(members.values())
                        .as("members, with no service running")
                        .containsOnly(0);
            }
        }
        try (Admin admin = KafkaClients.admin(new KafkaSettings(broker.bootstrap(), broker.client("ptq")))) {
            Throwable refused = catchThrowable(() -> Workers.members(
                    admin, List.of(Workers.group(ShiftqEvent.CUSTOM, Stage.QAT)), Duration.ofSeconds(30)));
            assertThat(refused).hasCauseInstanceOf(GroupAuthorizationException.class);
        }
    }

    /** TLS as the other clients, SCRAM with this user name and password. */
    private static Properties signedInAs(String user, String password) {
        Properties client = broker.client("cli");
        client.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                        + password + "\";");
        return client;
    }

    /** What the broker answered to one record from a client with these properties (null if it took it). */
    private static Throwable refusal(Properties client, String topic) {
        try (KafkaProducer<String, String> producer =
                KafkaClients.producer(new KafkaSettings(broker.bootstrap(), client))) {
            producer.send(new ProducerRecord<>(topic, "forged", "{}")).get(60, TimeUnit.SECONDS);
            return null;
        } catch (Exception e) {
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof KafkaException)) {
                cause = cause.getCause();
            }
            return cause;
        }
    }

    /** The sum of the end offsets of a topic's partitions, read as admin. */
    private static long endOffsets(String topic) throws Exception {
        Properties config = broker.client("admin");
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (Admin admin = Admin.create(config)) {
            var partitions = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get().values().stream()
                    .mapToLong(info -> info.offset())
                    .sum();
        }
    }
}
