"""docker-compose.yml is valid and wires every service by settings (`docker compose config`)."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose_command() -> list[str]:
    """The Docker CLI's compose plugin where present, else docker-compose (installed by `make test`)."""
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("neither `docker compose` nor `docker-compose` is installed; run the tests with `make test`")


def test_compose_file_validates_and_wires_services():
    result = subprocess.run(
        [*compose_command(), "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"postgres", "minio", "redis", "api", "worker-cpu", "worker-gpu"}
    for name in ("api", "worker-cpu", "worker-gpu"):
        env = services[name]["environment"]
        assert env["CALLREC_STORAGE_DATABASE_URL"].startswith("postgresql://")
        assert env["CALLREC_STORAGE_OBJECTS_URL"].startswith("s3://callrec?endpoint=minio:9000")
        assert env["CALLREC_QUEUE_REDIS_URL"] == "redis://redis:6379/0"
    gpu = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["driver"] == "nvidia" and "gpu" in gpu["capabilities"]
    assert services["worker-cpu"]["command"] == ["worker", "--queues", "cpu"]


def test_kubernetes_manifests_validate_against_the_schema():
    """deploy/kubernetes/callrec.yaml against Kubernetes 1.30's published schema, with the
    kubernetes-validate package from PyPI (it bundles the schemas: no cluster, no network)."""
    import kubernetes_validate
    import yaml

    path = Path(__file__).parents[2] / "deploy/kubernetes/callrec.yaml"
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d]
    kinds = sorted(d["kind"] for d in documents)
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "Deployment",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Service",
    ]
    for document in documents:
        kubernetes_validate.validate(document, "1.30", strict=True)  # raises on any schema error
    workers = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    gpu = workers["callrec-worker-gpu"]["spec"]["template"]["spec"]["containers"][0]
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == "1" and "gpu,cpu" in gpu["args"]
    hpa = next(d for d in documents if d["kind"] == "HorizontalPodAutoscaler")
    assert hpa["spec"]["metrics"][0]["external"]["metric"]["name"] == "callrec_queue_depth"
    # Every process of the service gets the one audit key from the Secret.
    for deployment in workers.values():
        sources = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"secretRef": {"name": "callrec"}} in sources
