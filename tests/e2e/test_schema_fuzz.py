"""schemathesis over the OpenAPI schema of a running `callrec up`: no generated request gets a 5xx."""

import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import callrec_up


def test_no_generated_request_gets_a_server_error(tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    with callrec_up(tmp_path / "data", {"CALLREC_TRANSCRIBE_MODEL": "tiny.en"}) as service:
        result = subprocess.run(
            [
                str(schemathesis),
                "run",
                f"{service.url}/openapi.json",
                "-H",
                f"Authorization: Bearer {service.key}",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "25",
                "--seed",
                "1",
                "--exclude-method",
                "DELETE",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout
