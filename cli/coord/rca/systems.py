"""Call graphs of the systems `coord rca synth` generates incidents for.

Service names are those of the real sets in `../shared/data/rca/`:
- `online-boutique`: the edges of Nezha's `metric/dependency.csv` (2022-08-22), node
  addresses dropped;
- `sock-shop`: the services of the RCD Sock Shop set (its metric columns), wired as the
  Sock Shop application calls them (front-end → carts/catalogue/orders/user; orders →
  carts/payment/shipping/user; each store behind its own database; shipping and
  queue-master on rabbitmq);
- `train-ticket`: the 47 services of Nezha's Train Ticket set (its metric files). That set
  has no `dependency.csv`; the edges are the REST calls of the Train Ticket source as
  transcribed here (gateway → front services; preserve → contacts, travel, seat, security,
  order, food, consign, assurance, ...; travel → basic, route, train, seat, order; basic →
  station, train, route, price), kept acyclic.
Every graph is a DAG with edges caller → callee; `entry` is where user load comes in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class System:
    name: str
    entry: str
    edges: tuple[tuple[str, str], ...]
    style: str  # log line style: "java" (Train Ticket) or "mixed"

    @property
    def services(self) -> list[str]:
        return sorted({s for e in self.edges for s in e})


def _edges(spec: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((a, b) for a, callees in spec.items() for b in callees.split()))


ONLINE_BOUTIQUE = System(
    "online-boutique",
    "frontend",
    _edges(
        {
            "frontend": "checkoutservice recommendationservice cartservice productcatalogservice "
            "adservice currencyservice shippingservice",
            "checkoutservice": "emailservice cartservice productcatalogservice shippingservice "
            "currencyservice paymentservice",
            "recommendationservice": "productcatalogservice",
        }
    ),
    "mixed",
)

SOCK_SHOP = System(
    "sock-shop",
    "front-end",
    _edges(
        {
            "front-end": "carts catalogue orders user",
            "orders": "carts payment shipping user orders-db",
            "carts": "carts-db",
            "catalogue": "catalogue-db",
            "user": "user-db",
            "shipping": "rabbitmq",
            "queue-master": "rabbitmq",
        }
    ),
    "mixed",
)

_TT = {
    "ts-ui-dashboard": "ts-gateway-service",
    "ts-gateway-service": "ts-auth-service ts-user-service ts-verification-code-service "
    "ts-travel-service ts-travel2-service ts-preserve-service ts-preserve-other-service "
    "ts-order-service ts-order-other-service ts-contacts-service ts-cancel-service "
    "ts-rebook-service ts-execute-service ts-food-service ts-consign-service "
    "ts-assurance-service ts-route-plan-service ts-travel-plan-service ts-station-service "
    "ts-inside-payment-service ts-voucher-service ts-news-service ts-avatar-service "
    "ts-ticket-office-service ts-wait-order-service ts-food-delivery-service "
    "ts-admin-basic-info-service ts-admin-order-service ts-admin-route-service "
    "ts-admin-travel-service ts-admin-user-service",
    "ts-auth-service": "ts-verification-code-service",
    "ts-user-service": "ts-auth-service",
    "ts-travel-service": "ts-basic-service ts-seat-service ts-route-service ts-train-service "
    "ts-order-service",
    "ts-travel2-service": "ts-basic-service ts-seat-service ts-route-service ts-train-service "
    "ts-order-other-service",
    "ts-basic-service": "ts-station-service ts-train-service ts-route-service ts-price-service",
    "ts-seat-service": "ts-order-service ts-order-other-service ts-config-service",
    "ts-preserve-service": "ts-contacts-service ts-travel-service ts-station-service "
    "ts-security-service ts-order-service ts-seat-service ts-assurance-service "
    "ts-food-service ts-consign-service ts-user-service ts-notification-service "
    "ts-basic-service",
    "ts-preserve-other-service": "ts-contacts-service ts-travel2-service ts-station-service "
    "ts-security-service ts-order-other-service ts-seat-service ts-assurance-service "
    "ts-food-service ts-consign-service ts-user-service ts-notification-service",
    "ts-security-service": "ts-order-service ts-order-other-service",
    "ts-food-service": "ts-station-food-service ts-train-food-service ts-travel-service "
    "ts-delivery-service",
    "ts-food-delivery-service": "ts-station-food-service",
    "ts-consign-service": "ts-consign-price-service",
    "ts-cancel-service": "ts-order-service ts-order-other-service ts-inside-payment-service "
    "ts-user-service ts-notification-service",
    "ts-rebook-service": "ts-order-service ts-order-other-service ts-travel-service "
    "ts-travel2-service ts-seat-service ts-station-service ts-inside-payment-service",
    "ts-inside-payment-service": "ts-payment-service ts-order-service ts-order-other-service",
    "ts-execute-service": "ts-order-service ts-order-other-service",
    "ts-route-plan-service": "ts-route-service ts-travel-service ts-travel2-service "
    "ts-station-service",
    "ts-travel-plan-service": "ts-route-plan-service ts-travel-service ts-travel2-service "
    "ts-seat-service ts-train-service ts-station-service",
    "ts-admin-order-service": "ts-order-service ts-order-other-service",
    "ts-admin-route-service": "ts-route-service",
    "ts-admin-travel-service": "ts-travel-service ts-travel2-service",
    "ts-admin-user-service": "ts-user-service",
    "ts-admin-basic-info-service": "ts-station-service ts-train-service ts-config-service "
    "ts-price-service ts-contacts-service",
    "ts-order-service": "ts-station-service",
    "ts-order-other-service": "ts-station-service",
    "ts-wait-order-service": "ts-order-service ts-contacts-service",
    "ts-voucher-service": "ts-order-service",
}
TRAIN_TICKET = System("train-ticket", "ts-ui-dashboard", _edges(_TT), "java")

SYSTEMS = {s.name: s for s in (SOCK_SHOP, ONLINE_BOUTIQUE, TRAIN_TICKET)}
