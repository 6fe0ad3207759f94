#!/usr/bin/env python3
"""Holds docker-compose.yml and the rendered k8s/ overlays against the code, reading the sources of truth at run
time (so it follows renames and moved files):

- every topic of shared-schema's Topics.java (its ALL list) has a KafkaTopic in every overlay and is created by
  compose's topic-init; every KafkaTopic and every topic a service's config names is one of them;
- every environment variable given to a service (compose, Deployment env and envFrom ConfigMaps, Dockerfile ENV)
  maps to a real config key of that service: a key of its application.properties, of the config files of the
  repository modules it depends on (services/common's shared config), of a @ConfigMapping interface in those
  sources, or a framework key its extensions read; a few runtime variables (JVM, DJL) are listed by name below;
- ports and probe paths match each service's quarkus.http.port and health paths (compose health checks, Dockerfile
  EXPOSE, containerPort, probes);
- image names match the build (compose build contexts and Dockerfiles exist, images are shiftq/<service>);
- KEDA's Kafka trigger names the topic and consumer group of the Deployment it scales, the artifact volume is
  mounted where SHIFTQ_ARTIFACTS_ROOT points;
- every job config in configs/ (but configs/accuracy/, onnx/, targets/ and learned/) is in the ConfigMap configs/kustomization.yaml
  generates.

Usage: deploy_consistency.py --compose docker-compose.yml --rendered dev.yaml --rendered prod.yaml
(scripts/check/k8s.sh renders the overlays and calls it). Exit 1 with one line per disagreement.
"""
import argparse
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}

# Variables that are not config keys but are read by the image's entry point, the JVM or DJL.
RUNTIME_ENV = {
    "JAVA_OPTS": "extra JVM options, read by the Dockerfile's entry point",
    "JAVA_OPTS_SHIFTQ": "the image's default JVM options (entry point)",
    "DJL_CACHE_DIR": "where DJL unpacks libtorch",
    "OMP_WAIT_POLICY": "libtorch's OpenMP threads sleep when idle instead of spinning (PASSIVE; docs/benchmarks.md)",
    "MALLOC_MMAP_THRESHOLD_": "glibc malloc: tensors up to 32 MB from its arenas, not mmap (docs/benchmarks.md)",
    "MALLOC_TRIM_THRESHOLD_": "glibc malloc: freed memory is kept, not trimmed (docs/benchmarks.md)",
    "ENGINE_CACHE_DIR": "where DJL's engines cache files",
    "HOME": "the JVM's user.home",
    "LANG": "locale",
    "PATH": "",
    "JAVA_HOME": "",
    "SHIFTQ_KAFKA_CONFIG": "Kafka client settings (a properties file, or a folder with a file per key) read by "
                           "services/messaging's KafkaClientConfigSource and the AIMET worker (docs/security.md)",
}
# Keys read by Quarkus extensions, valid when the service (or a module it depends on) has the extension.
FRAMEWORK_KEYS = {
    "quarkus-messaging-kafka": {"kafka.bootstrap.servers"},
    "quarkus-vertx-http": {"quarkus.http.port", "quarkus.http.host"},
    "quarkus-rest": {"quarkus.http.port", "quarkus.http.host"},
    "quarkus-rest-jackson": {"quarkus.http.port", "quarkus.http.host"},
    "quarkus-smallrye-health": {"quarkus.http.port", "quarkus.http.host"},
}

problems = []


def problem(msg):
    problems.append(msg)


def env_form(key):
    """The environment variable Quarkus maps to a config key (non-alphanumerics become _, upper case)."""
    return re.sub(r"[^A-Za-z0-9]", "_", key).upper()


# --- the code ---------------------------------------------------------------------------------

def read_properties(path):
    """key -> value of a .properties file; profile-specific keys (%test.x) are left out, %prod.x wins."""
    props, prod = {}, {}
    if not os.path.isfile(path):
        return props
    text = open(path, encoding="utf-8").read().replace("\\\n", "")
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"([^=:\s]+)\s*[=:]\s*(.*)", line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key.startswith("%prod."):
            prod[key[len("%prod."):]] = value
        elif not key.startswith("%"):
            props[key] = value
    props.update(prod)
    return props


def expand(value, props, depth=0):
    """Resolves property expressions, ${key} and ${key:default}, as SmallRye Config does."""
    if depth > 10:
        return value
    return re.sub(r"\$\{([^}:]+)(?::([^}]*))?\}",
                  lambda m: expand(props.get(m.group(1), m.group(2) if m.group(2) is not None else m.group(0)),
                                   props, depth + 1), value)


def modules():
    """artifactId -> (module dir, pom root) for every pom.xml of the repository."""
    found = {}
    for pom in glob.glob(os.path.join(ROOT, "**", "pom.xml"), recursive=True):
        if "/target/" in pom or "/scripts/" in pom:
            continue
        root = ET.parse(pom).getroot()
        aid = root.find("m:artifactId", POM_NS)
        if aid is not None:
            found[aid.text] = (os.path.dirname(pom), root)
    return found


def dependencies(pom_root):
    return [d.findtext("m:artifactId", namespaces=POM_NS) for d in pom_root.findall("m:dependencies/m:dependency", POM_NS)
            if d.findtext("m:scope", namespaces=POM_NS) not in ("test",)]


def is_quarkus_app(pom_root):
    return any(p.findtext("m:artifactId", namespaces=POM_NS) == "quarkus-maven-plugin"
               for p in pom_root.findall("m:build/m:plugins/m:plugin", POM_NS))


def config_mapping_keys(java_dir):
    """Keys declared by @ConfigMapping interfaces: prefix + nested interface methods, kebab-cased."""
    keys = set()
    for path in glob.glob(os.path.join(java_dir, "**", "*.java"), recursive=True):
        src = open(path, encoding="utf-8").read()
        m = re.search(r'@ConfigMapping\(\s*prefix\s*=\s*"([^"]+)"', src)
        if not m:
            continue
        prefix = m.group(1)
        # Methods per interface: (interface name) -> [(return type, method name, @WithName)]
        body = re.sub(r"/\*.*?\*/|//[^\n]*", "", src, flags=re.S)
        interfaces = {}
        stack = []
        for tok in re.finditer(r'interface\s+(\w+)[^{]*\{|\{|\}|(?:@WithName\("([^"]+)"\)\s*)?(?:@\w+(?:\([^)]*\))?\s*)*([\w.<>, ?]+)\s+(\w+)\(\s*\)\s*;', body):
            t = tok.group(0)
            if tok.group(1):
                stack.append(tok.group(1))
                interfaces.setdefault(tok.group(1), [])
            elif t == "{":
                stack.append(None)
            elif t == "}":
                if stack:
                    stack.pop()
            elif tok.group(4) and stack and stack[-1]:
                interfaces[stack[-1]].append((tok.group(3).strip(), tok.group(4), tok.group(2)))
        top = re.search(r"interface\s+(\w+)", body).group(1)

        def walk(iface, key_prefix, depth=0):
            for rtype, name, with_name in interfaces.get(iface, []):
                part = with_name or re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name).lower()
                inner = re.sub(r"^(Optional|List|Set)<(\w+)>$", r"\2", rtype)
                if inner in interfaces and depth < 5:
                    walk(inner, key_prefix + "." + part, depth + 1)
                else:
                    keys.add(key_prefix + "." + part)
        walk(top, prefix)
    return keys


class Service:
    def __init__(self, name, module_dir, pom_root, all_modules):
        self.name, self.dir = name, module_dir
        seen, todo, extensions = set(), [pom_root], set()
        self.config_files = []
        self.keys = set()
        while todo:
            root = todo.pop()
            mod_dir = None
            for aid, (d, r) in all_modules.items():
                if r is root:
                    mod_dir = d
            if mod_dir:
                res = os.path.join(mod_dir, "src", "main", "resources")
                for f in ("application.properties", "META-INF/microprofile-config.properties"):
                    if os.path.isfile(os.path.join(res, f)):
                        self.config_files.append(os.path.join(res, f))
                self.keys |= config_mapping_keys(os.path.join(mod_dir, "src", "main", "java"))
            for dep in dependencies(root):
                extensions.add(dep)
                if dep in all_modules and dep not in seen:
                    seen.add(dep)
                    todo.append(all_modules[dep][1])
        # Own file last: it overrides the shared ones, as ordinals do at run time.
        own = os.path.join(module_dir, "src", "main", "resources", "application.properties")
        self.props = {}
        for f in sorted(self.config_files, key=lambda f: f == own):
            self.props.update(read_properties(f))
        self.props = {k: expand(v, self.props) for k, v in self.props.items()}
        self.keys |= set(self.props)
        for ext in extensions:
            self.keys |= FRAMEWORK_KEYS.get(ext, set())
        self.extensions = extensions
        p = self.props
        self.port = int(p["quarkus.http.port"]) if "quarkus.http.port" in p else 8080
        root_path = p.get("quarkus.http.non-application-root-path", "q").strip("/")
        health = p.get("quarkus.smallrye-health.root-path", "health").strip("/")
        base = "/" + (health if health.startswith("/") else f"{root_path}/{health}")
        self.health = {kind: base + "/" + p.get(f"quarkus.smallrye-health.{kind}-path", default).strip("/")
                       for kind, default in (("liveness", "live"), ("readiness", "ready"), ("startup", "started"))}
        self.has_health = "quarkus-smallrye-health" in extensions
        # incoming channel -> (topic(s), group)
        self.incoming = {}
        for k, v in p.items():
            m = re.match(r"mp\.messaging\.incoming\.([^.]+)\.(topic|topics)$", k)
            if m:
                ch = m.group(1)
                group = p.get(f"mp.messaging.incoming.{ch}.group.id", p.get("mp.messaging.connector.smallrye-kafka.group.id"))
                self.incoming[ch] = ([t.strip() for t in v.split(",")], group)
        self.topics_named = {t.strip() for k, v in p.items()
                             if re.search(r"\.(topic|topics|dead-letter-queue\.topic)$", k) for t in v.split(",")}

    def accepts_env(self, var):
        return var in RUNTIME_ENV or any(env_form(k) == var for k in self.keys)


def topics_of_code():
    files = [f for f in glob.glob(os.path.join(ROOT, "**", "Topics.java"), recursive=True) if "/target/" not in f]
    if not files:
        problem("no Topics.java found in the repository")
        return set()
    src = open(files[0], encoding="utf-8").read()
    consts = dict(re.findall(r'static\s+final\s+String\s+(\w+)\s*=\s*"([^"]+)"', src))
    m = re.search(r"List<String>\s+ALL\s*=\s*List\.of\(([^)]*)\)", src, re.S)
    names = [n.strip() for n in m.group(1).split(",")] if m else list(consts)
    return {consts[n] for n in names if n in consts}


# --- the deployments --------------------------------------------------------------------------

def check_compose(path, services, topics):
    doc = yaml.safe_load(open(path))
    cs = doc.get("services", {})
    init = cs.get("topic-init")
    if not init:
        problem("compose: no topic-init service")
    else:
        text = " ".join(init.get("command") if isinstance(init.get("command"), list) else [str(init.get("command"))])
        created = set(re.findall(r"shiftq\.[\w.-]+", text))
        for t in sorted(topics - created):
            problem(f"compose: topic-init does not create {t} (Topics.java)")
        for t in sorted(created - topics):
            problem(f"compose: topic-init creates {t}, which Topics.java does not have")
    for s in services.values():
        c = cs.get(s.name)
        if not c:
            problem(f"compose: no service for {s.name}")
            continue
        image = c.get("image", "")
        if not re.match(rf"^(.*/)?shiftq/{re.escape(s.name)}(:.*)?$", image):
            problem(f"compose {s.name}: image {image!r} is not shiftq/{s.name}")
        build = c.get("build") or {}
        ctx = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), build.get("context", ".")))
        if ctx != os.path.normpath(s.dir):
            problem(f"compose {s.name}: build context {build.get('context')} is not the module {os.path.relpath(s.dir, ROOT)}")
        dockerfile = os.path.join(ctx, build.get("dockerfile", "Dockerfile"))
        if not os.path.isfile(dockerfile):
            problem(f"compose {s.name}: Dockerfile {dockerfile} does not exist")
        else:
            check_dockerfile(s, dockerfile)
        env = c.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) for e in env)
        for var in env:
            if not s.accepts_env(var):
                problem(f"compose {s.name}: {var} maps to no config key of {s.name}")
        hc = " ".join(c.get("healthcheck", {}).get("test", []))
        m = re.search(r"/dev/tcp/[\d.]+/(\d+)", hc) or re.search(r"localhost:(\d+)", hc)
        if not m or int(m.group(1)) != s.port:
            problem(f"compose {s.name}: health check port {m and m.group(1)} is not quarkus.http.port {s.port}")
        if s.health["readiness"] not in hc:
            problem(f"compose {s.name}: health check does not ask {s.health['readiness']}")
        for p in c.get("ports", []):
            inner = int(str(p).split(":")[-1].split("/")[0])
            if inner != s.port:
                problem(f"compose {s.name}: published container port {inner} is not {s.port}")
        root = env.get("SHIFTQ_ARTIFACTS_ROOT")
        if root and not any(str(v).split(":")[1] == root for v in c.get("volumes", []) if str(v).startswith("artifacts:")):
            problem(f"compose {s.name}: the artifacts volume is not mounted at SHIFTQ_ARTIFACTS_ROOT={root}")


def check_dockerfile(s, path):
    text = open(path).read()
    expose = [int(p) for p in re.findall(r"^EXPOSE\s+(\d+)", text, re.M)]
    if expose != [s.port]:
        problem(f"{os.path.relpath(path, ROOT)}: EXPOSE {expose} is not [{s.port}]")
    if "target/quarkus-app/" not in text:
        problem(f"{os.path.relpath(path, ROOT)}: does not copy the fast-jar target/quarkus-app/")
    jar_type = s.props.get("quarkus.package.jar.type", "fast-jar")
    if jar_type != "fast-jar":
        problem(f"{s.name}: quarkus.package.jar.type={jar_type}, but the Dockerfile copies a fast-jar")
    for block in re.findall(r"^ENV\s+((?:.*\\\n)*.*)$", text, re.M):
        for var in re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]*)=", block):
            if not s.accepts_env(var):
                problem(f"{os.path.relpath(path, ROOT)}: ENV {var} maps to no config key of {s.name}")


def check_rendered(path, services, topics):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    name = os.path.basename(path)
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for d in by_kind.get("ConfigMap", [])}
    kt = {}
    for d in by_kind.get("KafkaTopic", []):
        kt[d["spec"].get("topicName", d["metadata"]["name"])] = d["spec"]
    for t in sorted(topics - set(kt)):
        problem(f"{name}: no KafkaTopic for {t} (Topics.java)")
    for t in sorted(set(kt) - topics):
        problem(f"{name}: KafkaTopic {t} is not in Topics.java")
    kafkas = by_kind.get("Kafka", [])
    bootstraps = {f"{k['metadata']['name']}-kafka-bootstrap:{l['port']}" for k in kafkas for l in k["spec"]["kafka"]["listeners"]}
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    for s in services.values():
        for t in s.topics_named:
            if t not in topics:
                problem(f"{s.name}: its config names topic {t}, which Topics.java does not have")
        d = deployments.get(s.name)
        if not d:
            problem(f"{name}: no Deployment {s.name}")
            continue
        c = d["spec"]["template"]["spec"]["containers"][0]
        repo = c["image"].rsplit(":", 1)[0]
        if not repo.endswith("shiftq/" + s.name):
            problem(f"{name} {s.name}: image {c['image']} is not shiftq/{s.name}")
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        for ef in c.get("envFrom", []):
            cm = ef.get("configMapRef", {}).get("name")
            if cm not in configmaps:
                problem(f"{name} {s.name}: envFrom ConfigMap {cm} is not in the rendered output")
            env.update(configmaps.get(cm, {}))
        for var in env:
            if not s.accepts_env(var):
                problem(f"{name} {s.name}: {var} maps to no config key of {s.name}")
        if "QUARKUS_HTTP_PORT" in env and int(env["QUARKUS_HTTP_PORT"]) != s.port:
            problem(f"{name} {s.name}: QUARKUS_HTTP_PORT {env['QUARKUS_HTTP_PORT']} is not {s.port}")
        if env.get("KAFKA_BOOTSTRAP_SERVERS") not in bootstraps:
            problem(f"{name} {s.name}: KAFKA_BOOTSTRAP_SERVERS {env.get('KAFKA_BOOTSTRAP_SERVERS')} is no Kafka listener {sorted(bootstraps)}")
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        if list(ports.values()) != [s.port]:
            problem(f"{name} {s.name}: containerPort {list(ports.values())} is not [{s.port}]")
        if not s.has_health:
            problem(f"{s.name}: has probes but no quarkus-smallrye-health")
        for probe, kind in (("livenessProbe", "liveness"), ("readinessProbe", "readiness"), ("startupProbe", "startup")):
            if probe not in c:
                if probe != "startupProbe":
                    problem(f"{name} {s.name}: no {probe}")
                continue
            g = c[probe].get("httpGet", {})
            port = ports.get(g.get("port"), g.get("port"))
            if g.get("path") != s.health[kind] or port != s.port:
                problem(f"{name} {s.name}: {probe} {g.get('path')}:{g.get('port')} is not {s.health[kind]}:{s.port}")
        root = env.get("SHIFTQ_ARTIFACTS_ROOT")
        volumes = {v["name"]: v for v in d["spec"]["template"]["spec"].get("volumes", [])}
        mounted = [m for m in c.get("volumeMounts", []) if m["mountPath"] == root
                   and "persistentVolumeClaim" in volumes.get(m["name"], {})]
        if not mounted:
            problem(f"{name} {s.name}: no persistent volume mounted at SHIFTQ_ARTIFACTS_ROOT={root}")
    check_kafka_users(name, by_kind, deployments)
    for so in by_kind.get("ScaledObject", []):
        target = so["spec"]["scaleTargetRef"]["name"]
        s = services.get(target)
        for trig in so["spec"]["triggers"]:
            if trig["type"] != "kafka":
                continue
            md = trig["metadata"]
            if md.get("bootstrapServers") not in bootstraps:
                problem(f"{name} ScaledObject {so['metadata']['name']}: bootstrapServers {md.get('bootstrapServers')} is no Kafka listener")
            if s is None:
                continue  # a worker outside the Java services (the AIMET worker) is checked by its own config
            pairs = {(t, g) for ts, g in s.incoming.values() for t in ts}
            if (md.get("topic"), md.get("consumerGroup")) not in pairs:
                problem(f"{name} ScaledObject {so['metadata']['name']}: topic/group {md.get('topic')}/{md.get('consumerGroup')} "
                        f"is not an incoming channel of {target} {sorted(pairs)}")
            parts = kt.get(md.get("topic"), {}).get("partitions", 0)
            if so["spec"].get("maxReplicaCount", 100) > parts:
                problem(f"{name} ScaledObject {so['metadata']['name']}: maxReplicaCount {so['spec'].get('maxReplicaCount')} "
                        f"exceeds the {parts} partitions of {md.get('topic')} (extra replicas would idle)")


def acl_table():
    """principal -> (group or None, topics read, topics written, groups described) of scripts/kafka/acls.txt (the local
    broker's ACLs)."""
    table = {}
    for line in open(os.path.join(ROOT, "scripts", "kafka", "acls.txt"), encoding="utf-8"):
        if line.strip() and not line.lstrip().startswith("#"):
            user, group, reads, writes, describes = line.split()
            table[user] = (None if group == "-" else group, set(reads.split(",")), set(writes.split(",")),
                           set() if describes == "-" else set(describes.split(",")))
    return table


def check_kafka_users(name, by_kind, deployments):
    """Each principal of acls.txt is a KafkaUser with the same ACLs, and its Deployment mounts its own Secret."""
    users = {u["metadata"]["name"]: u["spec"] for u in by_kind.get("KafkaUser", [])}
    for user, (group, reads, writes, describes) in acl_table().items():
        if user == "admin":
            continue  # the local broker's super user; Strimzi's operators play that part on Kubernetes
        spec = users.get(user)
        if spec is None:
            problem(f"{name}: no KafkaUser {user} (scripts/kafka/acls.txt)")
            continue
        if spec.get("authentication", {}).get("type") != "scram-sha-512":
            problem(f"{name} KafkaUser {user}: authentication is not scram-sha-512")
        got = {"group": set(), "Read": set(), "Write": set(), "Describe": set()}
        for acl in spec.get("authorization", {}).get("acls", []):
            r = acl["resource"]
            n = r["name"] + ("*" if r.get("patternType") == "prefix" else "")
            if r["type"] == "group" and "Read" in acl["operations"]:
                got["group"].add(n)
            elif r["type"] == "group" and "Describe" in acl["operations"]:
                got["Describe"].add(n)
            elif r["type"] == "topic":
                for op in ("Read", "Write"):
                    if op in acl["operations"]:
                        got[op].add(n)
        want = {"group": {group} - {None}, "Read": reads, "Write": writes, "Describe": describes}
        for what in want:
            if got[what] != want[what]:
                problem(f"{name} KafkaUser {user}: {what} ACLs {sorted(got[what])} are not acls.txt's {sorted(want[what])}")
        d = deployments.get(user)
        if d is not None:
            secrets = {src["secret"]["name"] for v in d["spec"]["template"]["spec"].get("volumes", [])
                       for src in v.get("projected", {}).get("sources", []) if "secret" in src}
            if user not in secrets:
                problem(f"{name} Deployment {user}: does not mount the Secret of its KafkaUser {user} ({sorted(secrets)})")


def check_configs():
    """Every job config under configs/ is in the ConfigMap that configs/kustomization.yaml generates."""
    kfile = os.path.join(ROOT, "configs", "kustomization.yaml")
    if not os.path.isfile(kfile):
        problem("configs/kustomization.yaml is missing (k8s/base builds the job-config ConfigMap from it)")
        return
    listed = set()
    for gen in yaml.safe_load(open(kfile)).get("configMapGenerator", []):
        for f in gen.get("files", []):
            listed.add(os.path.normpath(f.split("=", 1)[-1]))
    # These folders hold the measured runs of docs/ (the ONNX ones name test models in the source tree), not jobs an
    # operator submits.
    measured = ("accuracy", "onnx", "targets", "learned")
    present = {os.path.relpath(f, os.path.join(ROOT, "configs"))
               for f in glob.glob(os.path.join(ROOT, "configs", "**", "*.yaml"), recursive=True)
               if os.path.basename(f) != "kustomization.yaml"
               and not any(f"/{folder}/" in f for folder in measured)}
    for f in sorted(present - listed):
        problem(f"configs/{f} is not in configs/kustomization.yaml's ConfigMap")
    for f in sorted(listed - present):
        problem(f"configs/kustomization.yaml lists {f}, which does not exist")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--compose", required=True)
    ap.add_argument("--rendered", action="append", default=[])
    args = ap.parse_args()
    mods = modules()
    services = {}
    for aid, (d, root) in mods.items():
        if is_quarkus_app(root) and os.path.relpath(d, ROOT).startswith("services" + os.sep):
            name = os.path.basename(d)
            services[name] = Service(name, d, root, mods)
    if not services:
        problem("no Quarkus services found under services/")
    topics = topics_of_code()
    check_configs()
    check_compose(args.compose, services, topics)
    for r in args.rendered:
        check_rendered(r, services, topics)
    for p in problems:
        print("deploy-consistency: " + p, file=sys.stderr)
    print(f"deploy-consistency: {len(services)} services ({', '.join(sorted(services))}), {len(topics)} topics, "
          f"compose + {len(args.rendered)} rendered file(s): {'OK' if not problems else str(len(problems)) + ' problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
