"""service.py — an order service with a memory leak, for docs/python.md's walkthrough.

    ohm-python -m ohm -o service.ohmsnap service.py [REQUESTS]

A request is a JSON body: a user and the items ordered. handle() parses it, prices
the order, counts it in the user's session and answers with the total.
"""
import functools
import json
import random
import sys

PRICES = {"apple": 0.5, "bread": 2.25, "milk": 1.1, "tea": 3.0, "rice": 1.75}


class Order:
    __slots__ = ("user", "lines", "total")

    def __init__(self, user, lines):
        self.user = user
        self.lines = lines
        self.total = sum(PRICES[name] * qty for name, qty in lines)


class Sessions:
    """What the service remembers per user: bounded by the number of users."""

    def __init__(self):
        self.by_user = {}

    def touch(self, user, order):
        s = self.by_user.setdefault(user, {"orders": 0, "spent": 0.0})
        s["orders"] += 1
        s["spent"] += order.total
        return s


@functools.lru_cache(maxsize=None)
def parse(body):
    return json.loads(body)


def handle(body, sessions):
    req = parse(body)
    order = Order(req["user"], [(i["name"], i["qty"]) for i in req["items"]])
    session = sessions.touch(order.user, order)
    return json.dumps({"user": order.user, "total": round(order.total, 2),
                       "orders": session["orders"]})


def requests(n, seed=1):
    rng = random.Random(seed)
    names = sorted(PRICES)
    for i in range(n):
        items = [{"name": rng.choice(names), "qty": rng.randrange(1, 5)}
                 for _ in range(rng.randrange(1, 6))]
        user = "u%03d" % rng.randrange(200)
        yield json.dumps({"id": i, "user": user, "items": items})


def serve(n):
    sessions = Sessions()
    answered = 0
    for body in requests(n):
        answered += len(handle(body, sessions))
    return sessions, answered


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
