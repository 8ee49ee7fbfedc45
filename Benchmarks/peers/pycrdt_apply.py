"""The peer of `plansync-bench core`: the same stream of edits applied by Yjs (PyPI pycrdt).

A document with the plan's shape — a map of fields and an array of 50 rows, each a map — gets
the bench's N operations (the plan and its 50 rows in one transaction, then every third edit the
plan's notes and the others a row's cell, as plansync's stream), each edit its own transaction,
recorded as an update on one document. The updates are then applied, one
by one, to a fresh document, which is what plansync's county does with a stream of operations.
Prints JSON: {"ops": N, "apply_ops_per_s": …, "generate_s": …, "converged": true}.

Usage: python3 Benchmarks/peers/pycrdt_apply.py [N]
"""
import json
import sys
import time

import pycrdt


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    source = pycrdt.Doc()
    fields = source.get("fields", type=pycrdt.Map)
    rows = source.get("rows", type=pycrdt.Array)
    updates: list[bytes] = []
    source.observe(lambda event: updates.append(event.update))
    with source.transaction():
        for index in range(50):
            rows.append(pycrdt.Map({"activity": f"Activitatea {index}"}))
    started = time.perf_counter()
    # The stream of `plansync-bench core` (AuditBench.Writer): after the plan and its 50 rows,
    # every third edit the plan's notes, the others a row's indicator.
    for counter in range(52, count + 1):
        if counter % 3 == 0:
            fields["notes"] = f"Observație {counter}"
        else:
            rows[counter % 50]["indicator"] = f"{counter} beneficiari"
    generated = time.perf_counter() - started

    target = pycrdt.Doc()
    started = time.perf_counter()
    for update in updates:
        target.apply_update(update)
    applied = time.perf_counter() - started
    converged = target.get("fields", type=pycrdt.Map).to_py() == fields.to_py() and \
        target.get("rows", type=pycrdt.Array).to_py() == rows.to_py()
    print(json.dumps({"ops": count, "updates": len(updates), "apply_s": round(applied, 3),
                      "apply_ops_per_s": round(count / applied), "generate_s": round(generated, 3),
                      "converged": converged}))


if __name__ == "__main__":
    main()
