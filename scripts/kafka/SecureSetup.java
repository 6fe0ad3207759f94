import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Run by scripts/kafka.sh in secured mode (java SecureSetup.java, with the broker jars on the class path): as admin,
 * creates the shiftq topics that are missing and the ACLs of scripts/kafka/acls.txt, all in one JVM.
 *
 * <p>Arguments: bootstrap, admin client properties file, acls.txt, topic names.
 */
public final class SecureSetup {

    public static void main(String[] args) throws Exception {
        Properties config = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(args[1]))) {
            config.load(in);
        }
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        // The readiness probe's short timeouts are too short for a first TLS + SCRAM handshake on a busy machine.
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        List<String> topics = Arrays.asList(args).subList(3, args.length);
        try (Admin admin = Admin.create(config)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    NewTopic t = new NewTopic(topic, Optional.of(2), Optional.empty());
                    // shiftq.control keeps the latest cancel of every job: a stage that starts later reads them all.
                    missing.add(topic.equals("shiftq.control") ? t.configs(Map.of("cleanup.policy", "compact")) : t);
                }
            }
            admin.createTopics(missing).all().get();
            List<AclBinding> acls = acls(Path.of(args[2]));
            admin.createAcls(acls).all().get();
            // The controller has them now; the broker's authorizer applies them a moment later, and a client that
            // starts right after this script must not be refused in that moment. describeAcls asks the broker.
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (admin.describeAcls(AclBindingFilter.ANY).values().get().size() < acls.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not apply the " + acls.size() + " ACLs in 60 s");
                }
                Thread.sleep(200);
            }
            System.out.println("SecureSetup: created " + missing.size() + " topics and " + acls.size() + " ACLs");
        }
    }

    private static List<AclBinding> acls(Path file) throws Exception {
        List<AclBinding> acls = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] f = trimmed.split("\\s+");
            if (f.length != 5) {
                throw new IllegalArgumentException(
                        file + ": want 'principal group reads writes describes', got: " + line);
            }
            String principal = "User:" + f[0];
            String group = f[1];
            if (!group.equals("-")) {
                acls.add(allow(principal, ResourceType.GROUP, group, AclOperation.READ));
            }
            for (String topic : f[2].split(",")) {
                acls.add(allow(principal, ResourceType.TOPIC, topic, AclOperation.READ));
            }
            for (String topic : f[3].split(",")) {
                acls.add(allow(principal, ResourceType.TOPIC, topic, AclOperation.WRITE));
            }
            if (!f[4].equals("-")) {
                for (String described : f[4].split(",")) {
                    acls.add(allow(principal, ResourceType.GROUP, described, AclOperation.DESCRIBE));
                }
            }
        }
        return acls;
    }

    private static AclBinding allow(String principal, ResourceType type, String name, AclOperation operation) {
        ResourcePattern pattern = name.endsWith("*")
                ? new ResourcePattern(type, name.substring(0, name.length() - 1), PatternType.PREFIXED)
                : new ResourcePattern(type, name, PatternType.LITERAL);
        return new AclBinding(pattern, new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}
