"""Checks the shipped artefacts with the real tools that consume them: the Helm
chart with Helm's own library (lint, schema, offline render, also as a library
included from an app chart), every manifest with kubernetes-validate against a
current Kubernetes, and the compose example against the Compose specification."""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import helm_python as helm

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHART = ROOT / "charts" / "pgready"
KUBE = "1.34.0"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}")


def validate(paths):
    out = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", KUBE, *map(str, paths)],
        capture_output=True, text=True,
    )
    return out.returncode == 0, out.stdout + out.stderr


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
    for bad in ({"client": "jdbc"}, {"migrations": {"tool": "liquibase"}}, {"databaseUrls": [{"name": "DATABASE_URL", "value": "postgresql://x"}]}, {"timeout": "soon"}):
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
    return [path]


def main():
    lint()
    schema()
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp)
        rendered = render_standalone(out) + render_as_library(out)
        ok, text = validate(rendered)
        check(f"rendered manifests valid for Kubernetes {KUBE} (strict)", ok, text)
    examples = sorted((ROOT / "examples" / "kubernetes").glob("*.yaml"))
    ok, text = validate(examples)
    check(f"examples/kubernetes valid for Kubernetes {KUBE} (strict)", ok, text)
    out = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(ROOT / "examples" / "docker-compose.yml")],
        capture_output=True, text=True,
    )
    check("examples/docker-compose.yml matches the Compose specification", out.returncode == 0, out.stdout + out.stderr)
    failed = results.count(False)
    print(f"artifacts: {len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


main()
