"""Roster engine: the rostering model, its evaluator, the CP-SAT solver and the product operations.

Importing this package (or its model/evaluate modules) never imports OR-Tools; only the solve
functions do, when they are called.
"""

from chalicelib.scheduling.domain.roster.evaluate import Evaluation, evaluate
from chalicelib.scheduling.domain.roster.model import (
    Assignment,
    Contract,
    Demand,
    Fairness,
    FairShare,
    Leave,
    Nurse,
    NurseHistory,
    Pin,
    Roster,
    RosterProblem,
    ShiftRequest,
    ShiftType,
    Weights,
)

__all__ = [
    "Assignment",
    "Contract",
    "Demand",
    "Evaluation",
    "FairShare",
    "Fairness",
    "Leave",
    "Nurse",
    "NurseHistory",
    "Pin",
    "Roster",
    "RosterProblem",
    "ShiftRequest",
    "ShiftType",
    "Weights",
    "evaluate",
]
