"""200 concurrent uploads against `callrec api` over loopback (bench/upload_burst.py): every call stored
and queued once, none lost, a redelivery of the whole burst creates nothing. Bounded: 200 uploads of a
22-second call, about 5 s per backend here."""

from __future__ import annotations

import pytest

from bench.upload_burst import run_burst
from tests.conftest import fresh_postgres_database
from tests.telephony import STEREO


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_burst_of_200_concurrent_uploads_stores_each_call_exactly_once(
    backend, service_redis_url, tmp_path
):
    if backend == "postgres":
        with fresh_postgres_database("callrec_burst") as url:
            outcome = run_burst(200, 32, STEREO, url, service_redis_url, tmp_path)
    else:
        outcome = run_burst(200, 32, STEREO, "", service_redis_url, tmp_path)
    first, again = outcome["first"], outcome["again"]
    assert dict(first.statuses) == {201: 200} and dict(again.statuses) == {200: 200}
    assert (outcome["stored"], outcome["missing"], outcome["duplicated"]) == (200, 0, 0)
    assert outcome["queued_jobs"] == 200 and outcome["same_ids_on_redelivery"]
    assert len(set(first.call_ids)) == 200
    objects = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert len(objects) == 200  # one stored recording per call, none left over from the redelivery
    print(f"\n{backend}: {first.rate:.1f} uploads/s (first), {again.rate:.1f}/s (redelivery)")
