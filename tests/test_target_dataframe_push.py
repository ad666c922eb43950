"""push_dataframe: a pandas DataFrame through the same machinery, one outcome per row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from target_intercom import push_dataframe
from target_intercom.errors import FailureRateExceeded
from tests.conftest import SandboxClient
from tests.target_support import BASE_TIME, events_of, people, read_errors, target_config


@pytest.mark.parametrize("version", ["1.4", "2.11"])
def test_users_and_events_from_dataframes(sandbox, tmp_path, version):
    client = SandboxClient(sandbox, version)
    client.fresh_workspace()
    config = target_config(sandbox, version, tmp_path, create_attributes=True)
    users = pd.DataFrame({
        "customer_id": ["df1", "df2", None, "df4", "df5"],
        "email": ["df1@example.com", "broken", "df3@example.com", None, "df5@example.com"],
        "seats": [1, 2, np.nan, 4, 5],
        "signed_up_at": pd.to_datetime(["2025-06-01 12:00", None, "2025-06-02 00:00",
                                        "2025-06-03 00:00", None]),
        "vip": [True, False, True, False, True],
    }, index=["a", "b", "c", "d", "e"])
    outcomes = push_dataframe(users, "users", config, columns={"customer_id": "user_id"})
    assert list(outcomes.index) == ["a", "b", "c", "d", "e"]
    assert list(outcomes["status"]) == ["accepted", "failed", "accepted", "accepted", "accepted"]
    assert outcomes.loc["b", "code"] == "parameter_invalid"
    assert outcomes.loc["b", "message"] == "email invalid"
    assert (outcomes["job_id"].notna().all()) == (version == "1.4")
    written = people(client, "df")
    assert written["df1"]["signed_up_at"] == 1748779200
    assert written["df4"]["custom_attributes"] == {"seats": 4, "vip": False}
    vip = [a for a in client.snapshot("data_attributes") if a["name"] == "vip"]
    assert [a["data_type"] for a in vip] == ["boolean"]  # 2.x: created from the dtype first

    events = pd.DataFrame({"event_name": ["viewed"] * 4, "user_id": ["df1", "df4", "nobody", None],
                           "created_at": [BASE_TIME, BASE_TIME + 1, BASE_TIME + 2, BASE_TIME + 3],
                           "page": ["/a", "/b", "/c", "/d"]})
    outcomes = push_dataframe(events, "events", config)
    assert list(outcomes["status"]) == ["accepted", "accepted", "failed", "invalid"]
    assert list(outcomes["code"])[2:] == ["not_found", "parameter_not_found"]
    assert {e["metadata"]["page"] for e in events_of(client, "viewed")} == {"/a", "/b"}
    assert [e["row"] for e in read_errors(tmp_path / "errors.jsonl")] == [1, 3, 2]


def test_companies_dry_run_and_failure_rate(sandbox, tmp_path):
    client = SandboxClient(sandbox, "2.11")
    client.fresh_workspace()
    companies = pd.DataFrame({"company_id": [1, 2, None], "name": ["One", "Two", "Three"],
                              "monthly_spend": [10.5, 20.0, 1.0]})
    dry = push_dataframe(companies, "companies", target_config(sandbox, "2.11", tmp_path, dry_run=True))
    assert list(dry["status"]) == ["dry_run", "dry_run", "invalid"]
    assert client.get("/_sandbox/stats").json()["total"] == 0
    with pytest.raises(FailureRateExceeded) as failure:
        push_dataframe(companies, "companies",
                       target_config(sandbox, "2.11", tmp_path, max_failure_rate=0.1))
    assert list(failure.value.outcomes["status"]) == ["accepted", "accepted", "invalid"]
    assert {c["company_id"]: c["monthly_spend"] for c in client.snapshot("companies")
            if c["company_id"] in ("1", "2")} == {"1": 10.5, "2": 20}
