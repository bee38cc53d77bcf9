"""deploy/: the image, compose file and Kubernetes manifests agree with the code they run.

Fast and offline: parses the files, asks each command line for its sub-commands, and compares
every environment variable the deploy files set with the settings the services read.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"

GUNICORN_CONFS = {
    "services/registry/src/registry/gunicorn.conf.py": "registry.wsgi:app",
    "services/scheduler/src/scheduler/service/gunicorn.conf.py": "scheduler.service.wsgi:app",
    "services/notifier/src/notifier/gunicorn.conf.py": "notifier.wsgi:app",
    "services/portal/src/portal/gunicorn.conf.py": "portal.wsgi:app",
}
#: Every kind of process a deployment runs, as (module or "gunicorn", sub-command or app).
PROCESSES = {
    ("gunicorn", "registry.wsgi:app"),
    ("gunicorn", "scheduler.service.wsgi:app"),
    ("gunicorn", "notifier.wsgi:app"),
    ("gunicorn", "portal.wsgi:app"),
    ("registry", "relay"),
    ("scheduler.service", "solve-worker"),
    ("scheduler.service", "relay"),
    ("scheduler.service", "consume"),
    ("notifier", "worker"),
    ("registry", "migrate"),
    ("scheduler.service", "migrate"),
    ("notifier", "migrate"),
    # The portal's and the notifier's service accounts, created (or their passwords reset)
    # after the migrations.
    ("registry", "create-user"),
    # The notifier's backfill of contact channels, once the registry answers.
    ("notifier", "sync-channels"),
}
#: The web processes, by compose service and k8s Service name, and their ports.
WEB = {"registry": 8001, "scheduler": 8002, "notifier": 8003, "portal": 8000}
#: Which consumer's database each relay reconciles with (docs/decisions/0004).
RECONCILED = {"REGISTRY": "SCHEDULER", "SCHEDULER": "NOTIFIER"}
#: Read by the third-party images (postgres, rabbitmq), not by Linli.
IMAGE_VARIABLES = {"POSTGRES_USER", "POSTGRES_PASSWORD", "RABBITMQ_DEFAULT_USER",
                   "RABBITMQ_DEFAULT_PASS"}
LINLI_IMAGE = re.compile(r"^(\$\{LINLI_IMAGE[^}]*\}|linli)(:.*)?$")


# --- loading ----------------------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


@functools.cache
def k8s_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(file name, document) for every document of every YAML file under deploy/k8s."""
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                found.append((path.name, doc))
    return tuple(found)


def k8s_of_kind(*kinds: str) -> list[tuple[str, dict[str, Any]]]:
    return [(name, doc) for name, doc in k8s_documents() if doc.get("kind") in kinds]


def pod_specs() -> list[tuple[str, dict[str, Any]]]:
    """(object name, pod spec) of every Deployment and Job."""
    return [
        (doc["metadata"]["name"], doc["spec"]["template"]["spec"])
        for _, doc in k8s_of_kind("Deployment", "Job")
    ]


def linli_compose_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if LINLI_IMAGE.match(str(service.get("image", "")))
    }


def command_list(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def processes(command: str | list[str]) -> list[tuple[str, str]]:
    """The processes one container command starts: `sh -c "a && b"` runs a, then b."""
    argv = command_list(command)
    if argv[:2] == ["sh", "-c"]:
        return [p for part in argv[2].split("&&") for p in processes(part.strip())]
    if argv[0] == "gunicorn":
        conf = argv[argv.index("-c") + 1]
        assert conf in GUNICORN_CONFS, f"unknown gunicorn settings {conf}"
        assert argv[-1] == GUNICORN_CONFS[conf], f"{conf} belongs to {GUNICORN_CONFS[conf]}"
        return [("gunicorn", argv[-1])]
    assert argv[:2] == ["python", "-m"], f"not a Linli process: {argv}"
    return [(argv[2], argv[3])]


def compose_processes() -> dict[str, list[tuple[str, str]]]:
    return {name: processes(s["command"]) for name, s in linli_compose_services().items()}


def k8s_containers() -> list[tuple[str, dict[str, Any]]]:
    return [(owner, c) for owner, spec in pod_specs() for c in spec["containers"]]


# --- entry points -----------------------------------------------------------------------------


@functools.cache
def subcommands(module: str) -> frozenset[str]:
    """The sub-commands `python -m <module> --help` offers (argparse choices)."""
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr
    choices = re.search(r"\{([^}]+)\}", result.stdout)
    assert choices, result.stdout
    return frozenset(choices.group(1).split(","))


def assert_entry_point(process: tuple[str, str]) -> None:
    module, what = process
    if module == "gunicorn":
        app_module, attribute = what.split(":")
        spec = importlib.util.find_spec(app_module)
        assert spec is not None and spec.origin, f"no module {app_module}"
        source = Path(spec.origin).read_text(encoding="utf-8")
        assert re.search(rf"^{attribute}\b.*=", source, re.MULTILINE), f"{what}: no {attribute}"
    else:
        assert what in subcommands(module), f"python -m {module} has no command {what!r}"


def test_every_compose_process_is_a_real_entry_point() -> None:
    found = {p for ps in compose_processes().values() for p in ps}
    assert found == PROCESSES
    for process in found:
        assert_entry_point(process)


def test_every_k8s_process_is_a_real_entry_point() -> None:
    found = {p for _, c in k8s_containers() for p in processes(c["command"])}
    assert found == PROCESSES
    for process in found:
        assert_entry_point(process)


def test_gunicorn_settings_are_in_the_image_at_the_paths_the_commands_use() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for conf in GUNICORN_CONFS:
        assert (ROOT / conf).is_file()
        assert re.search(rf"COPY --from=builder /src/{re.escape(conf)}\s+\\?\s*{re.escape(conf)}",
                         dockerfile), f"{conf} not copied to /app/{conf}"
    assert re.search(r"^WORKDIR /app$", dockerfile, re.MULTILINE)


# --- health and scaling -----------------------------------------------------------------------


def test_compose_apis_are_probed_on_healthz_and_bound_to_loopback() -> None:
    apis = {name for name, ps in compose_processes().items() if ps[0][0] == "gunicorn"}
    assert apis == set(WEB)
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond localhost"
        if name in apis:
            port = service["environment"]["PORT"]
            assert service["environment"]["HOST"] == "0.0.0.0"
            assert f"127.0.0.1:{port}:{port}" in service["ports"]
            assert f"http://127.0.0.1:{port}/healthz" in " ".join(service["healthcheck"]["test"])


def test_compose_starts_after_migrations_and_scales_the_workers() -> None:
    services = linli_compose_services()
    for name, service in services.items():
        if name != "migrate":
            condition = service["depends_on"]["migrate"]["condition"]
            assert condition == "service_completed_successfully", name
    assert services["migrate"]["restart"] == "no"
    assert services["solve-worker"]["deploy"]["replicas"] == 3
    assert services["notifier-worker"]["deploy"]["replicas"] == 3
    redis = compose()["services"]["redis"]
    assert "--appendonly" in redis["command"]
    assert compose()["services"]["rabbitmq"]["profiles"] == ["rabbitmq"]
    assert "./postgres/init.sql:/docker-entrypoint-initdb.d/init.sql:ro" in (
        compose()["services"]["postgres"]["volumes"]
    )
    init = (DEPLOY / "postgres/init.sql").read_text(encoding="utf-8")
    env = env_file_values()
    for variable in ("REGISTRY_DATABASE_URL", "SCHEDULER_DATABASE_URL", "NOTIFIER_DATABASE_URL"):
        database = env[variable].rsplit("/", 1)[1]
        assert f"CREATE DATABASE {database};" in init


def test_k8s_api_probes() -> None:
    apis = 0
    for _, container in k8s_containers():
        if processes(container["command"])[0][0] != "gunicorn":
            assert "ports" not in container
            continue
        apis += 1
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["HOST"] == "0.0.0.0"
        assert container["ports"][0]["containerPort"] == int(env["PORT"])
        # gunicorn's workers merge their metrics, and Prometheus finds them on the pod.
        assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")
    assert apis == len(WEB)
    services = {doc["metadata"]["name"]: doc for _, doc in k8s_of_kind("Service")}
    assert set(services) == set(WEB)
    for name, port in WEB.items():
        assert services[name]["spec"]["ports"][0]["port"] == port
    for _, doc in k8s_of_kind("Deployment"):
        container = doc["spec"]["template"]["spec"]["containers"][0]
        if processes(container["command"])[0][0] == "gunicorn":
            annotations = doc["spec"]["template"]["metadata"]["annotations"]
            env = {e["name"]: e["value"] for e in container["env"]}
            assert annotations["prometheus.io/port"] == env["PORT"]
            assert annotations["prometheus.io/path"] == "/metrics"


def test_the_portal_reaches_the_apis_by_their_service_names_and_ports() -> None:
    config = k8s_of_kind("ConfigMap")[0][1]["data"]
    env = env_file_values()
    compose_services = compose()["services"]
    for api in ("registry", "scheduler", "notifier"):
        variable = f"PORTAL_{api.upper()}_URL"
        assert config[variable] == f"http://{api}:{WEB[api]}"
        assert env[variable] == f"http://{api}:{WEB[api]}"
        assert compose_services[api]["environment"]["PORT"] == str(WEB[api])
    secrets = k8s_secret_values()
    for variable in ("PORTAL_SECRET_KEY", "PORTAL_SERVICE_PASSWORD"):
        assert variable in secrets and variable in env and variable not in config
    # The account the migrations create is the one the portal logs in with.
    for command in (compose_services["migrate"]["command"],
                    next(c for o, c in k8s_containers() if o == "migrate")["command"]):
        script = command_list(command)[2]
        assert re.search(r'create-user "\$\$?PORTAL_SERVICE_USERNAME" '
                         r'--password "\$\$?PORTAL_SERVICE_PASSWORD" --role service', script)


def test_the_notifier_reads_contacts_with_the_account_the_migrations_create() -> None:
    env = env_file_values()
    config = k8s_of_kind("ConfigMap")[0][1]["data"]
    secrets = k8s_secret_values()
    compose_services = compose()["services"]
    for values in (env, config):
        assert values["NOTIFIER_REGISTRY_URL"] == f"http://registry:{WEB['registry']}"
        # The registry shows phones unmasked to this account only (docs/decisions/0005).
        readers = values["REGISTRY_CONTACT_READERS"].split(",")
        assert values["NOTIFIER_REGISTRY_USERNAME"] in readers
    assert "NOTIFIER_REGISTRY_PASSWORD" in secrets and "NOTIFIER_REGISTRY_PASSWORD" in env
    assert "NOTIFIER_REGISTRY_PASSWORD" not in config
    for command in (compose_services["migrate"]["command"],
                    next(c for o, c in k8s_containers() if o == "migrate")["command"]):
        script = command_list(command)[2]
        assert re.search(r'create-user "\$\$?NOTIFIER_REGISTRY_USERNAME" '
                         r'--password "\$\$?NOTIFIER_REGISTRY_PASSWORD" --role service', script)
    # The backfill runs once, after the migrations and once the registry answers.
    sync = compose_services["notifier-sync"]
    assert processes(sync["command"]) == [("notifier", "sync-channels")]
    assert sync["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert sync["depends_on"]["registry"]["condition"] == "service_healthy"
    assert sync["restart"].startswith("on-failure")
    [job] = [doc for _, doc in k8s_of_kind("Job") if doc["metadata"]["name"] == "sync-channels"]
    assert job["spec"]["backoffLimit"] >= 3
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert processes(job["spec"]["template"]["spec"]["containers"][0]["command"]) == [
        ("notifier", "sync-channels")]


def test_each_relay_reconciles_with_its_consumers_database() -> None:
    env = env_file_values()
    config = k8s_of_kind("ConfigMap")[0][1]["data"]
    secrets = k8s_secret_values()
    for producer, consumer in RECONCILED.items():
        assert env[f"{producer}_RECONCILE_INBOX_URL"] == env[f"{consumer}_DATABASE_URL"]
        assert float(env[f"{producer}_RECONCILE_INTERVAL"]) > 0
        assert float(config[f"{producer}_RECONCILE_INTERVAL"]) > 0
        inbox = secrets[f"{producer}_RECONCILE_INBOX_URL"]
        database = secrets[f"{consumer}_DATABASE_URL"]
        assert inbox.rsplit("/", 1)[1] == database.rsplit("/", 1)[1]


def k8s_secret_values() -> dict[str, str]:
    """The keys of the linli-secrets template."""
    for _, doc in k8s_of_kind("Secret"):
        if doc["metadata"]["name"] == "linli-secrets":
            return dict(doc["stringData"])
    raise AssertionError("no linli-secrets Secret")


def gunicorn_graceful_timeout(conf: str) -> int:
    settings: dict[str, Any] = {}
    exec(compile((ROOT / conf).read_text(encoding="utf-8"), conf, "exec"), settings)  # noqa: S102
    return int(settings.get("graceful_timeout", 30))


def test_k8s_grace_periods_outlast_graceful_stops_and_solves() -> None:
    config = k8s_of_kind("ConfigMap")[0][1]["data"]
    for owner, spec in pod_specs():
        container = spec["containers"][0]
        argv = command_list(container["command"])
        grace = spec.get("terminationGracePeriodSeconds", 30)
        if argv[0] == "gunicorn":
            prestop = container["lifecycle"]["preStop"]["exec"]["command"]
            assert grace > int(prestop[-1]) + gunicorn_graceful_timeout(argv[2]), owner
        if processes(container["command"]) == [("scheduler.service", "solve-worker")]:
            assert grace > float(config["SCHEDULER_MAX_TIME_LIMIT"]), owner
        assert container["resources"]["requests"] and container["resources"]["limits"], owner


def test_k8s_autoscaling_on_queue_depth() -> None:
    scaled = {doc["spec"]["scaleTargetRef"]["name"]: doc for _, doc in k8s_of_kind("ScaledObject")}
    assert set(scaled) == {"solve-worker", "notifier-worker"}
    assert scaled["solve-worker"]["spec"]["triggers"][0]["metadata"]["listName"] == (
        "scheduler.solve"
    )
    assert scaled["notifier-worker"]["spec"]["triggers"][0]["metadata"]["listName"] == (
        "notifier.events"
    )
    from linli_contracts import topology

    assert {"scheduler.solve", "notifier.events"} <= set(topology.queue_names())


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present - {"secret.template.yaml"}
    assert kustomization["images"][0]["name"] == "linli"
    for _, container in k8s_containers():
        assert container["image"] == "linli"


# --- non-root image ---------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_non_root_and_installs_the_packages() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    stages = dockerfile.split("\nFROM ")
    assert len(stages) >= 3, "at least a builder and a runtime stage"
    runtime = stages[-1]
    users = re.findall(r"^USER\s+(\S+)", runtime, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "PYTHONUNBUFFERED=1" in runtime
    assert re.search(r"^EXPOSE 8000 8001 8002 8003$", runtime, re.MULTILINE)
    assert "COPY --from=builder /opt/linli /opt/linli" in runtime
    for tool in ("build-essential", "gcc", "pip install"):
        assert tool not in runtime, f"{tool} in the runtime stage"
    install = re.search(r"pip install --no-deps[^\n]*\n[^\n]*", dockerfile)
    assert install, "Linli's packages installed without dependencies"
    packages = install.group(0)
    for package in ("./libs/contracts", "./services/registry", "./services/scheduler",
                    "./services/notifier", "./services/portal"):
        assert package in packages
    instructions = "\n".join(
        line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")
    )
    assert "libs/testing" not in instructions and " -e " not in packages
    assert "requirements/lock.txt" in stages[1]


def test_containers_run_as_non_root() -> None:
    for owner, spec in pod_specs():
        security = spec["securityContext"]
        assert security["runAsNonRoot"] is True, owner
        assert security.get("runAsUser", 1) != 0, owner
        for container in spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, owner
    for name, service in linli_compose_services().items():
        assert str(service["user"]).split(":")[0] not in ("root", "0"), name


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".venv", "var", ".git", "bench/results", "**/__pycache__", ".env"} <= ignored


# --- environment ------------------------------------------------------------------------------


def env_file_values(path: Path = DEPLOY / "linli.env.example") -> dict[str, str]:
    """Variables of an env file (linli.env.example by default), the commented-out examples
    included."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def deploy_variables() -> dict[str, str]:
    """Every environment variable a deploy file sets, with where it is set."""
    found = {name: "linli.env.example" for name in env_file_values()}
    for name, service in compose()["services"].items():
        for variable in service.get("environment") or {}:
            found[variable] = f"compose.yaml {name}"
    for file_name, doc in k8s_of_kind("ConfigMap", "Secret"):
        if doc["metadata"]["name"] in ("linli-config", "linli-secrets"):
            for variable in {**doc.get("data", {}), **doc.get("stringData", {})}:
                found[variable] = file_name
    for owner, container in k8s_containers():
        for entry in container.get("env", []):
            found[entry["name"]] = f"k8s {owner}"
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for block in re.findall(r"^ENV ((?:[^\n]*\\\n)*[^\n]*)", dockerfile, re.MULTILINE):
        for variable in re.findall(r"([A-Z][A-Z0-9_]*)=", block):
            if variable != "PATH" and not variable.startswith(("PYTHON", "PIP_")):
                found[variable] = "Dockerfile"
    return found


def read_by_linli(variable: str) -> bool:
    """True when a Linli process reads the variable: a prefixed setting the service has, or a
    name its configuration or gunicorn settings read from the environment."""
    from linli_contracts.reconcile import RELAY_SETTINGS
    from notifier.config import defaults as notifier_defaults
    from portal.config import defaults as portal_defaults
    from registry.config import defaults as registry_defaults
    from scheduler.service.config import defaults as scheduler_defaults

    prefixed = {
        # Every relay reads the reconciliation settings under its service's prefix.
        "REGISTRY_": {**registry_defaults(), **RELAY_SETTINGS},
        "SCHEDULER_": {**scheduler_defaults(), **RELAY_SETTINGS},
        "NOTIFIER_": {**notifier_defaults(), **RELAY_SETTINGS},
        "PORTAL_": portal_defaults(),
    }
    for prefix, settings in prefixed.items():
        if variable.startswith(prefix) and variable[len(prefix):] in settings:
            return True
    sources = [ROOT / conf for conf in GUNICORN_CONFS] + [
        ROOT / "services/registry/src/registry/config.py",
        ROOT / "services/scheduler/src/scheduler/service/config.py",
        ROOT / "services/notifier/src/notifier/config.py",
        ROOT / "services/portal/src/portal/config.py",
    ]
    pattern = re.compile(rf"""(environ(\.get)?\(|environ\[|getenv\(|\()\s*["']{variable}["']""")
    return any(pattern.search(path.read_text(encoding="utf-8")) for path in sources)


def test_every_variable_in_the_deploy_files_is_read_by_a_service() -> None:
    unknown = {
        variable: where
        for variable, where in deploy_variables().items()
        if variable not in IMAGE_VARIABLES and not read_by_linli(variable)
    }
    assert not unknown, f"set but read by no service: {unknown}"


def test_every_variable_of_the_development_env_file_is_read() -> None:
    """The repository's .env.example (what `make run` reads from .env) names only settings a
    Linli process or `make run` itself reads."""
    run_script = (ROOT / "scripts/run.py").read_text(encoding="utf-8")
    unknown = [variable for variable in env_file_values(ROOT / ".env.example")
               if not read_by_linli(variable) and f'"{variable}"' not in run_script]
    assert not unknown, f".env.example sets what nothing reads: {unknown}"


def test_secrets_stay_out_of_the_config_map() -> None:
    config = k8s_of_kind("ConfigMap")[0][1]["data"]
    for variable in config:
        assert not re.search(r"SECRET|PASSWORD|_KEY$|DATABASE_URL|BROKER_URL|INBOX_URL",
                             variable), variable


@pytest.mark.parametrize("variable", ["REGISTRY_JWT_SECRET", "PORTAL_SECRET_KEY",
                                      "SCHEDULER_RECONCILE_INBOX_URL", "BOGUS_SETTING",
                                      "NOTIFIER_NOPE", "PORTAL_NOPE",
                                      "NOTIFIER_RECONCILE_INBOX_URL"])
def test_the_variable_check_tells_known_from_unknown(variable: str) -> None:
    known = {"REGISTRY_JWT_SECRET", "PORTAL_SECRET_KEY", "SCHEDULER_RECONCILE_INBOX_URL",
             "NOTIFIER_RECONCILE_INBOX_URL"}
    assert read_by_linli(variable) is (variable in known)


def test_deploy_readme_lists_every_process() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for module, what in PROCESSES:
        expected = f"python -m {module} {what}" if module != "gunicorn" else what
        assert expected in readme, expected


def test_the_image_installs_every_runtime_requirement_and_no_test_tool() -> None:
    """The Dockerfile takes the runtime part of base.in by its comment lines: renaming them
    would build an image without Flask, or with the test tools."""
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "sed -n '/^# runtime/,/^# development/" in dockerfile
    lines = (ROOT / "requirements/base.in").read_text(encoding="utf-8").splitlines()
    start, end = lines.index("# runtime"), next(
        i for i, line in enumerate(lines) if line.startswith("# development"))
    runtime = {re.split(r"[<>=\[]", line)[0] for line in lines[start + 1:end]
               if line and not line.startswith("#")}
    imported = {"flask", "flask-smorest", "flask-wtf", "gunicorn", "kombu", "ortools",
                "sqlalchemy", "alembic", "psycopg", "prometheus-client", "python-json-logger"}
    assert imported <= runtime, imported - runtime
    assert not runtime & {"pytest", "playwright", "mypy", "ruff", "schemathesis"}
