"""Descriptors the product tests share: the payments product whose stream the orders product of
the vendored spec reads."""

from __future__ import annotations

from conftest import corpus

SPEC = corpus("data-products", "spec", "data-product-spec.yaml")


def payments(contract: str | None = None) -> str:
    """The payments product: one Kafka stream port, under ``contract`` if one is given."""
    return f"""
name: payment_events
domain: payments
owner: payments-team
output_ports:
  - name: payments_stream
    type: kafka_stream
    location: kafka://broker:9092/payments.events
{f"    contract: {contract}" if contract else ""}
"""
