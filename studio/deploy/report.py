"""The memory report: per layer flash and live SRAM, the arena timeline, totals with nothing left out."""

from __future__ import annotations

from typing import Any

from studio.deploy.codegen.generate import GeneratedModel


def memory_report(model: Any, generated: GeneratedModel) -> dict[str, Any]:
    """JSON-able report: ``layers`` (name, kind, kernel, flash bytes of its constants, SRAM live at its step,
    output bytes), ``timeline`` (every arena buffer: tensors, offset, size, first and last step),
    ``arena_bytes``, ``lower_bound_bytes`` and the heuristics tried."""
    plan = generated.plan
    live = plan.lifetimes.live_bytes()
    layers = []
    for step, (op, code) in enumerate(zip(model.ops, generated.layers, strict=True)):
        layers.append(
            {
                "name": op.name,
                "kind": code.kind,
                "kernel": code.kernel,
                "flash_bytes": code.const_bytes,
                "sram_live_bytes": live[step],
                "output_bytes": model.tensor(op.output).size,
                "inplace": plan.lifetimes.inplace.get(op.name, ""),
            }
        )
    timeline = [
        {
            "buffer": b.name,
            "tensors": list(b.tensors),
            "kind": b.kind,
            "offset": plan.placement.offsets[b.name],
            "size": b.size,
            "first": b.first,
            "last": b.last,
        }
        for b in plan.lifetimes.buffers
    ]
    return {
        "layers": layers,
        "timeline": timeline,
        "steps": list(plan.lifetimes.steps),
        "arena_bytes": plan.arena_bytes,
        "lower_bound_bytes": plan.lower_bound,
        "heuristic": plan.placement.heuristic,
        "heuristics": {p.heuristic: p.arena_bytes for p in plan.tried},
        "const_bytes": sum(code.const_bytes for code in generated.layers),
    }
