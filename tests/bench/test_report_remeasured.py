"""The benchmark page says on what data each re-measure ran: the run's own, a dataset
generated again, or that it was not recorded (re-measures made before it was)."""

from bench.report import _remeasured_lines

RUN = {"generated_at": "2026-11-23T11:10:38+00:00", "as_of": "2026-11-23", "seed": 8, "tasks": 1_000_000}


def remeasure(dataset=None) -> dict:
    again = {
        "at": "2026-11-30T03:00:00+00:00",
        "commit": "abc1234",
        "figures": ["escalation sweep (10000 due = 1.0%)"],
        "load_average_at_start": [1.5, 1.6, 1.7],
        "load_average_at_end": [1.4, 1.5, 1.6],
    }
    if dataset is not None:
        again["dataset"] = dataset
    return again


def test_a_remeasure_on_the_runs_own_data_says_so():
    [line] = _remeasured_lines({"dataset": RUN, "remeasured": [remeasure(dict(RUN))]})
    assert "on the same data" in line


def test_a_remeasure_on_a_regenerated_dataset_does_not_claim_the_same_data():
    regenerated = {**RUN, "generated_at": "2026-11-30T02:39:21+00:00", "as_of": "2026-11-30"}
    [line] = _remeasured_lines({"dataset": RUN, "remeasured": [remeasure(regenerated)]})
    assert "same data" not in line
    assert "generated again with the same size and seed (seed 8;" in line
    assert "reference day 2026-11-30" in line


def test_a_remeasure_without_a_record_of_its_data_claims_nothing():
    [line] = _remeasured_lines({"dataset": RUN, "remeasured": [remeasure()]})
    assert "same data" not in line and "not recorded whether the run's or one generated again" in line
