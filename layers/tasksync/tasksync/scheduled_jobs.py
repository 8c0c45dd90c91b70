"""What every scheduled handler does around its round: the container's root, a budget governor with the
configured threshold, and the round's outcome logged, counted and answered."""

from __future__ import annotations

from collections.abc import Callable

from tasksync.composition.sync import SyncRoot, sync_root
from tasksync.configuration import load_config
from tasksync.configuration.functions import SafetyNetConfig
from tasksync.sync_metrics import count_round
from tasksync.use_cases.scheduled_rounds import BudgetGovernor, RoundResult


def run_scheduled(run: Callable[[SyncRoot, BudgetGovernor], RoundResult]) -> dict[str, object]:
    root = sync_root(SafetyNetConfig)
    calls_before = root.salesforce_calls()
    result = run(root, BudgetGovernor(load_config(SafetyNetConfig).api_budget_threshold))
    return count_round(result, salesforce_calls=root.salesforce_calls() - calls_before)
