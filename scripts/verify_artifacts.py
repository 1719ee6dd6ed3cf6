"""Checks the shipped artefacts with the real tools that consume them: the Helm
chart with Helm's own library (lint, schema, offline render, also as a library
included from an app chart), every manifest with kubernetes-validate against a
Kubernetes 1.31 (the oldest whose podFailurePolicy is stable) and the newest
schema kubernetes-validate ships, and the compose example against the Compose
specification."""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import helm_python as helm
import kubernetes_validate
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHART = ROOT / "charts" / "pgready"
KUBE = "1.34.0"  # lint's target


def newest_schema():
    schemas = pathlib.Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    versions = [d.name[1:].removesuffix("-local") for d in schemas.iterdir() if d.name.endswith("-local")]
    return max(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


KUBES = ["1.31.0", newest_schema()]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}")


def validate(paths, kube):
    out = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", kube, *map(str, paths)],
        capture_output=True, text=True,
    )
    return out.returncode == 0, out.stdout + out.stderr


def pod_failure_policy(job):
    rules = yaml.safe_load(job)["spec"]["podFailurePolicy"]["rules"]
    fail = [r for r in rules if r["action"] == "FailJob"]
    ignore = [r for r in rules if r["action"] == "Ignore"]
    ok = len(fail) == 1 and fail[0]["onExitCodes"]["containerName"] == "pgready" and fail[0]["onExitCodes"]["operator"] == "In"
    codes = fail[0]["onExitCodes"]["values"] if ok else []
    check("hook Job fails at once on the permanent classes (2 invalid_config, 21 tls_untrusted, 30 auth_failed, 31 access_rejected, 52 migrations_failed)",
          ok and {2, 21, 30, 31, 52} <= set(codes), json.dumps(rules))
    check("and retries the transient ones (12 connection_refused, 40 server_starting, 51 migrations_pending, 143 SIGTERM)",
          ok and not {12, 40, 51, 130, 143} & set(codes), json.dumps(rules))
    check("and does not count an evicted pod", any(c["type"] == "DisruptionTarget" for r in ignore for c in r.get("onPodConditions", [])), json.dumps(rules))


def lint():
    report = helm.lint(str(CHART), strict=True, kube_version=f"v{KUBE}")
    problems = [m for m in report.get("messages", []) if m.get("severity", 0) >= 2] + report.get("errors", [])
    check("helm lint --strict", not problems, json.dumps(problems))


def schema():
    chart = helm.Chart.load(str(CHART))
    try:
        chart.validate_schema({"client": "prisma", "gates": {"requireSchemaPrivilege": "create"}})
        check("values.schema.json accepts good values", True)
    except Exception as e:  # noqa: BLE001 - any rejection is the failure reported
        check("values.schema.json accepts good values", False, str(e))
    for bad in ({"client": "jdbc"}, {"migrations": {"tool": "mongoose"}}, {"databaseUrls": [{"name": "DATABASE_URL", "value": "postgresql://x"}]}, {"timeout": "soon"}):
        try:
            chart.validate_schema(bad)
            check(f"values.schema.json rejects {bad}", False, "accepted")
        except Exception:  # noqa: BLE001
            check(f"values.schema.json rejects {bad}", True)


def render_standalone(out):
    chart = helm.Chart.load(str(CHART))
    values = {"gates": {"minServerVersion": "13", "requireTables": ["public.users"], "createDatabase": True}, "client": "prisma",
              "migrations": {"tool": "prisma", "expect": "20240601000000_add_booking_fields"}}
    manifests = chart.render(values, name="gate", namespace="default", is_install=True)
    job = manifests.get("pgready/templates/hook-job.yaml", "")
    check("hook Job rendered", "kind: Job" in job and "pre-install,pre-upgrade" in job, job)
    for needle in ("--min-server-version=13", "--require-table=public.users", "--create-database", "--client=prisma",
                   "--migrations=prisma", "--require-migrations=applied", "--expect-migration=20240601000000_add_booking_fields",
                   "secretKeyRef", "readOnlyRootFilesystem: true", "RuntimeDefault", "runAsNonRoot: true"):
        check(f"hook Job has {needle}", needle in job, job)
    check("no plaintext URL in values", "postgresql://" not in job, job)
    check("the hook Job's container is no sidecar", "restartPolicy: Always" not in job, job)
    pod_failure_policy(job)
    path = out / "hook-job.yaml"
    path.write_text(job)
    off = chart.render({"hook": {"enabled": False}}, name="gate", namespace="default")
    check("hook.enabled=false renders no Job", not off.get("pgready/templates/hook-job.yaml", "").strip())
    return [path]


def render_as_library(out):
    """An app chart that depends on pgready and includes its helper."""
    app = out / "app"
    (app / "templates").mkdir(parents=True)
    (app / "charts").mkdir()
    shutil.copytree(CHART, app / "charts" / "pgready")
    (app / "Chart.yaml").write_text(
        "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: pgready\n    version: 0.1.0\n"
    )
    (app / "values.yaml").write_text(
        "pgready:\n  hook:\n    enabled: false\n  databaseUrls:\n    - {name: DATABASE_URL, secretName: app-db, secretKey: url}\n"
        "    - {name: DATABASE_DIRECT_URL, secretName: app-db, secretKey: direct}\n"
    )
    (app / "templates" / "deployment.yaml").write_text(
        """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      initContainers:
        {{- include "pgready.initContainer" (dict "Values" .Values.pgready) | nindent 8 }}
      containers:
        - name: app
          image: app:1
"""
    )
    manifests = helm.Chart.load(str(app)).render(name="app", namespace="default", is_install=True)
    deployment = manifests.get("app/templates/deployment.yaml", "")
    check("initContainer helper renders in an app chart", "name: pgready" in deployment and "DATABASE_DIRECT_URL" in deployment, deployment)
    check("the dependency's hook stays off", not manifests.get("app/charts/pgready/templates/hook-job.yaml", "").strip())
    path = out / "app-deployment.yaml"
    path.write_text(deployment)
    return [path] + render_sidecar(app, out)


def render_sidecar(app, out):
    """The same app chart with the native sidecar."""
    paths = []
    for readiness in (False, True):
        chart = helm.Chart.load(str(app))
        values = {"pgready": {"sidecar": {"enabled": True, "readinessProbe": {"enabled": readiness}}, "client": "prisma",
                              "gates": {"requireSchemaPrivilege": "usage"}}}
        deployment = chart.render(values, name="app", namespace="default", is_install=True).get("app/templates/deployment.yaml", "")
        spec = yaml.safe_load(deployment)["spec"]["template"]["spec"]
        sidecar = spec["initContainers"][0]
        probe = sidecar.get("startupProbe", {}).get("exec", {}).get("command", [])
        check(f"sidecar (readiness {readiness}): restartPolicy Always, `watch`", sidecar.get("restartPolicy") == "Always" and sidecar["args"][0] == "watch", deployment)
        check(f"sidecar (readiness {readiness}): startupProbe runs pgready check with the same options",
              probe[:2] == ["/pgready", "check"] and "--client=prisma" in probe and "--require-schema-privilege=usage" in probe
              and probe[2:] == [a for a in sidecar["args"][1:] if not a.startswith("--interval=")], deployment)
        check(f"sidecar (readiness {readiness}): readinessProbe {'present' if readiness else 'absent'}",
              ("readinessProbe" in sidecar) == readiness and "enabled" not in sidecar.get("readinessProbe", {}), deployment)
        check(f"sidecar (readiness {readiness}): the URL from the Secret", "secretKeyRef" in deployment and "postgresql://" not in deployment, deployment)
        path = out / f"app-sidecar-{readiness}.yaml"
        path.write_text(deployment)
        paths.append(path)
    return paths


def pgready_binary():
    """The debug build the test phases made (built here when missing)."""
    binary = ROOT / "target" / "debug" / "pgready"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--locked", "-q", "--bin", "pgready"], cwd=ROOT, check=True)
    return binary


def lint_clean(what, paths):
    """`pgready lint` finds no error in what we ship (the Secrets live elsewhere)."""
    out = subprocess.run([str(pgready_binary()), "lint", "--json", "--client", "prisma", *map(str, paths)],
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    try:
        doc = json.loads(out.stdout)
    except json.JSONDecodeError:
        doc = {"errors": -1}
    errors = [f for f in doc.get("findings", []) if f["status"] == "fail"]
    check(f"pgready lint finds no error in {what}", out.returncode == 0 and doc.get("errors") == 0, json.dumps(errors) + out.stderr)


def main():
    lint()
    schema()
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp)
        rendered = render_standalone(out) + render_as_library(out)
        for kube in KUBES:
            ok, text = validate(rendered, kube)
            check(f"rendered manifests valid for Kubernetes {kube} (strict)", ok, text)
        lint_clean("the rendered chart", rendered)
    examples = sorted((ROOT / "examples" / "kubernetes").glob("*.yaml"))
    for kube in KUBES:
        ok, text = validate(examples, kube)
        check(f"examples/kubernetes valid for Kubernetes {kube} (strict)", ok, text)
    sidecar = yaml.safe_load((ROOT / "examples" / "kubernetes" / "app-sidecar.yaml").read_text())["spec"]["template"]["spec"]["initContainers"][0]
    check("examples/kubernetes/app-sidecar.yaml is a native sidecar with a check startupProbe",
          sidecar.get("restartPolicy") == "Always" and sidecar["startupProbe"]["exec"]["command"][:2] == ["/pgready", "check"])
    out = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(ROOT / "examples" / "docker-compose.yml")],
        capture_output=True, text=True,
    )
    check("examples/docker-compose.yml matches the Compose specification", out.returncode == 0, out.stdout + out.stderr)
    # The start_interval line its comment suggests for Compose >= 2.20.2.
    compose = yaml.safe_load((ROOT / "examples" / "docker-compose.yml").read_text())
    compose["services"]["app"]["healthcheck"]["start_interval"] = "1s"
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump(compose, f)
        f.flush()
        out = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", f.name],
                             capture_output=True, text=True)
    check("the app healthcheck with start_interval matches the Compose specification", out.returncode == 0, out.stdout + out.stderr)
    failed = results.count(False)
    print(f"artifacts: {len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


main()
