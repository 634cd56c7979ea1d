#!/usr/bin/env python3
"""Static checks of the Kubernetes manifests in deploy/k8s (no cluster needed).

    check_manifests.py DEPLOY_DIR

Checks what a typo would silently break in a cluster: the kustomization's files exist; every
Deployment has requests/limits, gRPC probes on the port its *_LISTEN variable binds, the
metrics port its prometheus.io/port annotation names, a termination grace period above the
drain timeout, the restricted security context; Services select pods and name real ports; the
orchestrator and arm Services are headless and the gRPC targets in config.env name them with
the right ports; anonymous access is off; OCTO_DATABASE_URL only comes from the Secret; every
OCTO_* variable is one README.md documents; the HPA's external metric is the one the
prometheus-adapter rules serve; the Prometheus job names the alerts use are the pods'
app.kubernetes.io/name. Exit 0 when all hold, 1 otherwise, 77 (skipped) without PyYAML.
"""
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    print("PyYAML (python3-yaml) is not installed: skipped")
    sys.exit(77)

ARM_KINDS = ["retriever", "executor", "planner", "judge", "answerer", "guardian"]
# Prometheus job names (deploy/prometheus/prometheus.yaml: job = app.kubernetes.io/name),
# also used by tests/integration/deploy/deploy_queries_test.cpp.
JOBS = {"octo-reflex", "octo-orchestrator"} | {f"octo-arm-{k}" for k in ARM_KINDS}
REPLICAS = {"octo-reflex": 3, "octo-orchestrator": 2}

problems = []


def fail(msg):
    problems.append(msg)


def port_of(address):
    m = re.fullmatch(r".*:(\d+)", address or "")
    return int(m.group(1)) if m else None


def seconds(duration):
    m = re.fullmatch(r"(\d+)(ms|s|m)", duration)
    if not m:
        return None
    n = int(m.group(1))
    return {"ms": n / 1000, "s": n, "m": 60 * n}[m.group(2)]


def main(deploy):
    k8s = os.path.join(deploy, "k8s")
    kust = yaml.safe_load(open(os.path.join(k8s, "kustomization.yaml")))
    docs = []
    for res in kust.get("resources", []):
        path = os.path.join(k8s, res)
        if not os.path.isfile(path):
            fail(f"kustomization resource {res} does not exist")
            continue
        docs += [d for d in yaml.safe_load_all(open(path)) if d]
    env = {}
    for gen in kust.get("configMapGenerator", []):
        for f in gen.get("envs", []):
            path = os.path.join(k8s, f)
            if not os.path.isfile(path):
                fail(f"configMapGenerator env file {f} does not exist")
                continue
            for line in open(path):
                line = line.strip()
                if line and not line.startswith("#"):
                    k, _, v = line.partition("=")
                    env[k] = v
    if kust.get("namespace") != "octo":
        fail("kustomization namespace is not octo")

    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    deployments = by_kind.get("Deployment", {})
    services = by_kind.get("Service", {})

    # --- config.env ------------------------------------------------------------------------
    if env.get("OCTO_REFLEX_ALLOW_ANONYMOUS", "").lower() != "false":
        fail("config.env: OCTO_REFLEX_ALLOW_ANONYMOUS must be false")
    if "OCTO_DATABASE_URL" in env:
        fail("config.env: OCTO_DATABASE_URL belongs in the Secret, not the ConfigMap")
    drain = seconds(env.get("OCTO_DRAIN_TIMEOUT", "20s"))
    readme = open(os.path.join(deploy, "..", "README.md")).read()
    for k in env:
        if k not in readme:
            fail(f"config.env: {k} is not documented in README.md")

    def check_target(var, target):
        m = re.fullmatch(r"dns:///([a-z0-9-]+):(\d+)", target)
        if not m:
            fail(f"{var}: {target} is not dns:///<service>:<port>")
            return
        svc = services.get(m.group(1))
        if svc is None:
            fail(f"{var}: no Service {m.group(1)}")
            return
        if svc["spec"].get("clusterIP") != "None":
            fail(f"{var}: Service {m.group(1)} must be headless for round_robin over its pods")
        if int(m.group(2)) not in [p["port"] for p in svc["spec"]["ports"]]:
            fail(f"{var}: Service {m.group(1)} has no port {m.group(2)}")

    check_target("OCTO_ORCHESTRATOR_ADDR", env.get("OCTO_ORCHESTRATOR_ADDR", ""))
    arm_targets = [t for t in env.get("OCTO_ARMS", "").split(",") if t]
    for t in arm_targets:
        check_target("OCTO_ARMS", t)
    for kind in ARM_KINDS:
        if not any(f"octo-arm-{kind}:" in t for t in arm_targets):
            fail(f"OCTO_ARMS does not name the {kind} arm")

    # --- Deployments -----------------------------------------------------------------------
    expected = set(REPLICAS) | {f"octo-arm-{k}" for k in ARM_KINDS}
    for name in expected - set(deployments):
        fail(f"no Deployment {name}")
    for name, dep in deployments.items():
        where = f"Deployment {name}"
        spec = dep["spec"]
        tmpl = spec["template"]
        pod = tmpl["spec"]
        labels = tmpl["metadata"].get("labels", {})
        if labels.get("app.kubernetes.io/name") != name or name not in JOBS:
            fail(f"{where}: pod label app.kubernetes.io/name must be its name and a known job")
        if spec["selector"]["matchLabels"].items() - labels.items():
            fail(f"{where}: selector does not match the pod labels")
        if name in REPLICAS and spec.get("replicas") != REPLICAS[name]:
            fail(f"{where}: replicas {spec.get('replicas')} (want {REPLICAS[name]})")
        psc = pod.get("securityContext", {})
        if not (psc.get("runAsNonRoot") and psc.get("runAsUser") == 10001):
            fail(f"{where}: pod must run as non-root uid 10001")
        if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            fail(f"{where}: seccompProfile RuntimeDefault missing")
        containers = pod["containers"]
        if len(containers) != 1:
            fail(f"{where}: expected one container")
        c = containers[0]
        if not c.get("image", "").startswith("octollm:"):
            fail(f"{where}: image {c.get('image')} is not octollm")
        csc = c.get("securityContext", {})
        if not (csc.get("readOnlyRootFilesystem") and csc.get("allowPrivilegeEscalation") is False
                and "ALL" in csc.get("capabilities", {}).get("drop", [])):
            fail(f"{where}: container needs a read-only root fs, no privilege escalation, drop ALL")
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(part, {}):
                    fail(f"{where}: resources.{part}.{r} missing")
        cmd = c.get("command", []) + c.get("args", [])
        if any("allow_anonymous" in a for a in cmd):
            fail(f"{where}: --allow_anonymous in the command")
        if name.startswith("octo-arm-"):
            kind = name[len("octo-arm-"):]
            if cmd[:2] != ["octo-arm", f"--arm={kind}"]:
                fail(f"{where}: command must be octo-arm --arm={kind}")
        elif cmd[:1] != [name]:
            fail(f"{where}: command must be {name}")
        env_list = c.get("env", [])
        env_vars = {e["name"]: e for e in env_list}
        for e in env_list:
            if not e["name"].startswith("OCTO_"):
                continue
            if e["name"] not in readme:
                fail(f"{where}: {e['name']} is not documented in README.md")
            if e["name"] == "OCTO_DATABASE_URL":
                ref = e.get("valueFrom", {}).get("secretKeyRef", {})
                if "value" in e or ref.get("name") != "octo-database" or ref.get("key") != "url":
                    fail(f"{where}: OCTO_DATABASE_URL must come from secretKeyRef octo-database/url")
        if not any(s.get("configMapRef", {}).get("name") == "octo-config" for s in c.get("envFrom", [])):
            fail(f"{where}: envFrom octo-config missing")
        listen = [v for k, v in env_vars.items() if k.endswith("_LISTEN") and "METRICS" not in k]
        mlisten = [v for k, v in env_vars.items() if k.endswith("_METRICS_LISTEN")]
        if len(listen) != 1 or len(mlisten) != 1:
            fail(f"{where}: needs one *_LISTEN and one *_METRICS_LISTEN variable")
            continue
        grpc_port = port_of(listen[0].get("value"))
        metrics_port = port_of(mlisten[0].get("value"))
        if not listen[0]["value"].startswith("0.0.0.0:") or not mlisten[0]["value"].startswith("0.0.0.0:"):
            fail(f"{where}: listen addresses must bind all interfaces")
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        if ports.get("grpc") != grpc_port or ports.get("metrics") != metrics_port:
            fail(f"{where}: container ports {ports} do not match the listen variables")
        for probe in ("readinessProbe", "livenessProbe"):
            p = c.get(probe, {})
            if p.get("grpc", {}).get("port") != grpc_port:
                fail(f"{where}: {probe} must be a grpc probe on {grpc_port}")
        ann = tmpl["metadata"].get("annotations", {})
        if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != str(metrics_port):
            fail(f"{where}: prometheus.io annotations must name the metrics port {metrics_port}")
        grace = pod.get("terminationGracePeriodSeconds", 30)
        pre = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        pre_sleep = int(pre[1]) if pre[:1] == ["sleep"] else 0
        if drain is None or grace <= drain + pre_sleep:
            fail(f"{where}: terminationGracePeriodSeconds {grace} must exceed preStop {pre_sleep}s + drain {drain}s")
        if name == "octo-arm-executor":
            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            vols = {v["name"]: v for v in pod.get("volumes", [])}
            if not tmp or "emptyDir" not in vols.get(tmp[0]["name"], {}):
                fail(f"{where}: the executor needs an emptyDir at /tmp")
        pdbs = [p for p in by_kind.get("PodDisruptionBudget", {}).values()
                if p["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        if not pdbs:
            fail(f"{where}: no PodDisruptionBudget")

    # --- Services --------------------------------------------------------------------------
    for name, svc in services.items():
        sel = svc["spec"].get("selector", {})
        targets = [d for d in deployments.values()
                   if sel and sel.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        if not targets:
            fail(f"Service {name}: selects no Deployment")
            continue
        names = {p["name"] for p in targets[0]["spec"]["template"]["spec"]["containers"][0].get("ports", [])}
        for p in svc["spec"]["ports"]:
            if p.get("targetPort") not in names:
                fail(f"Service {name}: targetPort {p.get('targetPort')} is not a named container port")
    for name in ["octo-orchestrator"] + [f"octo-arm-{k}" for k in ARM_KINDS]:
        if services.get(name, {}).get("spec", {}).get("clusterIP") != "None":
            fail(f"Service {name} must exist and be headless")
    if services.get("octo-reflex", {}).get("spec", {}).get("type", "ClusterIP") != "ClusterIP" \
            or services.get("octo-reflex", {}).get("spec", {}).get("clusterIP") == "None":
        fail("Service octo-reflex must be a ClusterIP Service")

    # --- Job, HPAs -------------------------------------------------------------------------
    job = by_kind.get("Job", {}).get("octo-migrate")
    if job is None or job["spec"]["template"]["spec"]["containers"][0]["command"] != \
            ["octo-orchestrator", "--migrate_only"]:
        fail("Job octo-migrate must run octo-orchestrator --migrate_only")
    hpas = by_kind.get("HorizontalPodAutoscaler", {})
    reflex_hpa = hpas.get("octo-reflex", {}).get("spec", {})
    if not any(m.get("resource", {}).get("name") == "cpu" for m in reflex_hpa.get("metrics", [])):
        fail("HPA octo-reflex must scale on CPU")
    orch_hpa = hpas.get("octo-orchestrator", {}).get("spec", {})
    external = [m["external"]["metric"]["name"] for m in orch_hpa.get("metrics", []) if m.get("type") == "External"]
    if external != ["octo_orchestrator_queue_depth"]:
        fail("HPA octo-orchestrator must scale on the external metric octo_orchestrator_queue_depth")
    adapter = yaml.safe_load(open(os.path.join(deploy, "prometheus", "adapter-rules.yaml")))
    served = [r.get("name", {}).get("as") for r in adapter.get("externalRules", [])]
    for metric in external:
        if metric not in served:
            fail(f"adapter-rules.yaml does not serve the external metric {metric}")

    # --- Prometheus job names --------------------------------------------------------------
    alerts = open(os.path.join(deploy, "prometheus", "alerts.yaml")).read()
    for job_name in set(re.findall(r'job="([^"]+)"', alerts)):
        if job_name not in JOBS:
            fail(f"alerts.yaml: job=\"{job_name}\" is no pod's app.kubernetes.io/name")

    # --- kustomize renders (when kubectl is installed) ----------------------------------
    kubectl = shutil.which("kubectl")
    if kubectl:
        run = subprocess.run([kubectl, "kustomize", k8s], capture_output=True, text=True, timeout=30)
        if run.returncode != 0:
            fail(f"kubectl kustomize {k8s}: {run.stderr.strip()}")
        elif not re.search(r"name: octo-config-[a-z0-9]+", run.stdout):
            fail("kubectl kustomize: the generated ConfigMap octo-config-<hash> is missing")
    else:
        print("kubectl not found: kustomize rendering not checked")

    if problems:
        print("\n".join("FAIL " + p for p in problems))
        return 1
    print(f"OK: {len(docs)} objects, {len(deployments)} Deployments, {len(services)} Services")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy")))
