"""Builders for the OCOP tests."""

import datetime
from decimal import Decimal

from ocop import services


def evaluate(product, decided: datetime.date, score: str = "75", level: str = "province", **extra):
    """Record an evaluation through the service, with a decision number unique per date."""
    return services.record_evaluation(
        product=product,
        score=Decimal(score),
        level=level,
        decision_number=extra.pop("decision_number", f"{decided:%j}/QĐ-UBND"),
        decision_date=decided,
        **extra,
    )
