"""The quality targets, asserted on the figures `manage.py intake_eval` computes."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from tasks.intake.evaluation import HELDOUT_FILE, LABELS_FILE


def run_eval(*paths) -> list[dict]:
    out = io.StringIO()
    args = ["--json"] + [arg for path in paths for arg in ("--labels", str(path))]
    call_command("intake_eval", *args, stdout=out)
    return json.loads(out.getvalue())


def test_targets_hold_on_the_labelled_notices(register):
    (dev,) = run_eval(LABELS_FILE)
    overall = dev["overall"]
    # every seed notice is in the set, with the Vietnamese Notice 56
    assert {d["document"] for d in dev["documents"]} == {"000-en", "001-en", "001-vi", "002-en", "004-en"}
    assert overall["labelled"] >= 70
    assert overall["recall_with_deadline"] >= 0.9
    assert overall["lead_accuracy"] >= 0.9
    assert overall["deadline_accuracy"] >= 0.9
    for document in dev["documents"]:
        assert document["recall_with_deadline"] is None or document["recall_with_deadline"] >= 0.9, document
        assert document["lead_accuracy"] >= 0.9, document
        assert document["deadline_accuracy"] >= 0.9, document


def test_held_out_notices_keep_deadlines_and_leads(register):
    (heldout,) = run_eval(HELDOUT_FILE)
    overall = heldout["overall"]
    assert overall["recall_with_deadline"] >= 0.9
    assert overall["lead_accuracy"] >= 0.9
    assert overall["deadline_accuracy"] >= 0.9


def test_the_command_prints_a_labelled_set_whole(register):
    out = io.StringIO()
    call_command("intake_eval", "--labels", str(LABELS_FILE), "--labels", str(HELDOUT_FILE), stdout=out)
    text = out.getvalue()
    assert "precision" in text and "recall(dl)" in text
    assert text.count("overall") == 2  # the seed set and the held-out set
    assert "001-vi" in text and "H1-vi" in text
