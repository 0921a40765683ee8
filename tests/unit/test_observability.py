"""Metrics where they are disabled (the local runtime): nothing accumulates, nothing reaches the console."""

from __future__ import annotations

import warnings

import pytest

from shared.observability import Observability


def test_disabled_metrics_neither_print_nor_warn(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    metrics = Observability("quiet-test").metrics
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        for _ in range(250):  # Powertools printed at its 100-value limit even when disabled
            metrics.add_metric(name="Requests", unit="Count", value=1)
        handler = metrics.log_metrics(lambda event, context: "done")
        assert handler({}, None) == "done"
    assert capsys.readouterr().out == ""
    assert [str(w.message) for w in warned] == []


def test_enabled_metrics_are_printed_as_emf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics = Observability("loud-test").metrics
    metrics.add_metric(name="Requests", unit="Count", value=1)
    metrics.log_metrics(lambda event, context: None)({}, None)
    assert '"Requests"' in capsys.readouterr().out
