"""Turn a torch module (through ``torch.export``) into the studio's graph IR (see ``studio/graph/ir.py``).

Why through ``torch.export``: it records every aten op with its output shape (``node.meta["val"]``) and the
module that called it (``node.meta["nn_module_stack"]``), and it separates parameters and buffers from
activations in its graph signature, which is exactly what the IR needs: ONNX op names so one MAC formula
serves all formats, constants by role in ``Node.params``, and ``Node.module`` pointing back at the torch
module a pruning step will change.

Both export flavours are understood: the pre-dispatch graph ``torch.export.export`` returns in torch 2.13
(``conv2d``, ``linear``, ``batch_norm``) and the core-aten graph of decomposed or loaded programs
(``convolution``, ``addmm`` over a transposed weight, ``_native_batch_norm_legit_no_training`` + ``getitem``).
Ops with no ONNX counterpart keep their aten name (``aten.gelu``) so nothing is lost.
"""

from __future__ import annotations

import logging
import operator
import re
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from studio.core.errors import ModelLoadError
from studio.formats.torch_ops import HANDLERS, OpCall, aten_name, is_concrete, words
from studio.graph.ir import Dim, Graph, Node, TensorInfo

if TYPE_CHECKING:
    import torch
    from torch.export import ExportedProgram
    from torch.fx import Node as FxNode


# Tables use in-place-free aten names: ``relu_`` is looked up as ``relu`` (see ``aten_name``).
# Ops that only rename, copy or (in eval) pass a tensor through: no IR node, the output aliases the input.
_PASS_THROUGH = frozenset(
    words(
        "dropout feature_dropout alpha_dropout clone detach alias contiguous lift_fresh_copy identity "
        "_assert_tensor_metadata"
    )
)
# Ops that produce no tensor worth a node (shape queries, runtime assertions).
_IGNORED = frozenset(words("sym_size sym_numel sym_stride _assert_scalar sym_constrain_range_for_size _assert_async"))
# Ops that only move or relabel weights; applied eagerly when all their tensor inputs are constants.
_CONSTANT_FOLDABLE = frozenset(
    words(
        "t permute transpose view reshape _unsafe_view unsqueeze squeeze expand _to_copy to detach clone "
        "alias lift_fresh_copy"
    )
)


def graph_from_module(module: Any, example_input: torch.Tensor, name: str) -> Graph:
    """Export ``module`` (in eval mode) on ``example_input`` and convert the program to the graph IR.

    Raises :class:`ModelLoadError` with a one-line reason when ``torch.export`` cannot trace the module.
    """
    import torch

    try:
        with _quiet_torch_logs(), torch.no_grad():
            program = torch.export.export(module.eval(), (example_input,), strict=False)
    except Exception as err:
        first = next((line for line in str(err).strip().splitlines() if line.strip()), type(err).__name__)
        raise ModelLoadError(f"{name}: torch.export could not trace the model: {first.strip()}") from err
    return graph_from_exported_program(program, name)


def graph_from_exported_program(ep: ExportedProgram, name: str) -> Graph:
    """Convert an exported program to the graph IR (nodes in the program's execution order).

    ``Graph.metadata["fx_nodes"]`` maps each fx node name to the IR node it became, so a runtime that
    interprets the program can report per-node timings under IR names.
    """
    return ProgramConverter(ep, name).convert()


@contextmanager
def _quiet_torch_logs() -> Any:
    # torch logs a full traceback at ERROR level before raising the exception we turn into one line.
    loggers = [logging.getLogger(n) for n in ("torch._subclasses.fake_tensor", "torch.export", "torch._dynamo")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _bind(node: FxNode) -> dict[str, Any]:
    """The node's arguments by schema name, defaults filled in (positional-only callables: ``arg0``...)."""
    schema = getattr(node.target, "_schema", None)
    if schema is None:
        bound = {f"arg{i}": a for i, a in enumerate(node.args)}
        bound.update(node.kwargs)
        return bound
    bound = {}
    for i, arg in enumerate(schema.arguments):
        if i < len(node.args):
            bound[arg.name] = node.args[i]
        elif arg.name in node.kwargs:
            bound[arg.name] = node.kwargs[arg.name]
        elif arg.has_default_value():
            bound[arg.name] = arg.default_value
    return bound


def _tensor_info(name: str, val: Any) -> TensorInfo:
    shape: tuple[Dim, ...] | None = None
    dtype = "float32"
    if hasattr(val, "shape"):
        shape = tuple(int(d) if is_concrete(d) else str(d) for d in val.shape)
        dtype = str(val.dtype).removeprefix("torch.")
    return TensorInfo(name, shape, dtype)


def _module_path(node: FxNode) -> str | None:
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return None
    path = str(list(stack.values())[-1][0])
    path = re.sub(r"@\d+$", "", path)
    return path or None


def _module_is_leaf(node: FxNode) -> bool:
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return False
    type_name = str(list(stack.values())[-1][1])
    return type_name.startswith("torch.nn.modules.") and ".container." not in type_name


class ProgramConverter:
    """One conversion: walks the fx graph once, tracking constants, aliases and readable unique names."""

    def __init__(self, ep: ExportedProgram, name: str) -> None:
        self.ep = ep
        self.name = name
        self.constants: dict[str, torch.Tensor] = {}  # fx name -> constant tensor (params, buffers, folded)
        self.const_fqn: dict[str, str] = {}  # fx placeholder name -> fully qualified parameter name
        self.tensor_of: dict[str, str] = {}  # fx name -> IR tensor name carrying its value
        self.scalars: dict[str, Any] = {}  # fx name -> python value of non-tensor nodes
        self.nodes: list[Node] = []
        self.tensors: dict[str, TensorInfo] = {}
        self.used_names: set[str] = set()
        self.fx_to_ir: dict[str, str] = {}

    # ------------------------------------------------------------------------------------------ driver
    def convert(self) -> Graph:
        sig = self.ep.graph_signature
        state = self.ep.state_dict
        lifted: dict[str, str] = {}
        lifted.update(sig.inputs_to_parameters)
        lifted.update(sig.inputs_to_buffers)
        lifted.update(getattr(sig, "inputs_to_lifted_tensor_constants", {}) or {})
        user_inputs = list(sig.user_inputs)
        for fx in self.ep.graph_module.graph.nodes:
            if fx.op == "placeholder":
                if fx.name in lifted:
                    fqn = lifted[fx.name]
                    value = state[fqn] if fqn in state else self.ep.constants.get(fqn)
                    if value is not None:
                        self.constants[fx.name] = value
                        self.const_fqn[fx.name] = fqn
                        continue
                self.tensor_of[fx.name] = fx.name
                self.tensors[fx.name] = _tensor_info(fx.name, fx.meta.get("val"))
            elif fx.op == "call_function":
                self._call(fx)
        outputs = [self.tensor_of[o] for o in sig.user_outputs if o in self.tensor_of]
        inputs = [self.tensor_of[i] for i in user_inputs if i in self.tensor_of]
        return Graph(
            self.name,
            self.nodes,
            self.tensors,
            inputs,
            outputs,
            metadata={"source": "torch.export", "fx_nodes": self.fx_to_ir},
        )

    # ------------------------------------------------------------------------------------------ one node
    def _call(self, fx: FxNode) -> None:
        op_name = aten_name(fx.target)
        val = fx.meta.get("val")
        if fx.target is operator.getitem:
            self._getitem(fx)
            return
        if op_name in _IGNORED or (
            val is not None and not hasattr(val, "shape") and not isinstance(val, (tuple, list))
        ):
            self.scalars[fx.name] = val
            return
        bound = _bind(fx)
        tensor_args = [a for a in fx.all_input_nodes if a.name not in self.scalars]
        if tensor_args and all(a.name in self.constants for a in tensor_args) and (op_name in _CONSTANT_FOLDABLE):
            self.constants[fx.name] = fx.target(*self._real(fx.args), **self._real(fx.kwargs))
            return
        if op_name in _PASS_THROUGH or (op_name == "dropout" and not bound.get("train", False)):
            first = next((a for a in fx.all_input_nodes if a.name in self.tensor_of), None)
            if first is not None:
                self.tensor_of[fx.name] = self.tensor_of[first.name]
                self.fx_to_ir[fx.name] = self.fx_to_ir.get(first.name, "")
                return
        handler = HANDLERS.get(op_name, OpCall.generic)
        call = OpCall(self, fx, op_name, bound)
        handler(call)
        self._emit(fx, call)

    def _getitem(self, fx: FxNode) -> None:
        source, index = fx.args[0], fx.args[1]
        key = f"{source.name}[{index}]"
        if key in self.tensor_of:
            self.tensor_of[fx.name] = self.tensor_of[key]
            self.fx_to_ir[fx.name] = self.fx_to_ir.get(source.name, "")
            self.tensors.setdefault(self.tensor_of[key], _tensor_info(self.tensor_of[key], fx.meta.get("val")))

    def _real(self, value: Any) -> Any:
        from torch.fx import Node as FxNodeType

        if isinstance(value, FxNodeType):
            return self.constants.get(value.name, self.scalars.get(value.name))
        if isinstance(value, (list, tuple)):
            return type(value)(self._real(v) for v in value)
        if isinstance(value, dict):
            return {k: self._real(v) for k, v in value.items()}
        return value

    def _emit(self, fx: FxNode, call: OpCall) -> None:
        node_name = self._unique_name(fx, call.op)
        val = fx.meta.get("val")
        outputs: list[str] = []
        if isinstance(val, (tuple, list)):
            # Multi-output ops (batch norm, max pool with indices): getitem users pick them by index.
            for i, item in enumerate(val):
                tensor = node_name if i == 0 else f"{node_name}:{i}"
                self.tensor_of[f"{fx.name}[{i}]"] = tensor
                if i == 0:
                    outputs.append(tensor)
                    self.tensors[tensor] = _tensor_info(tensor, item)
        else:
            outputs.append(node_name)
            self.tensors[node_name] = _tensor_info(node_name, val)
        self.tensor_of[fx.name] = outputs[0]
        self.fx_to_ir[fx.name] = node_name
        self.nodes.append(Node(node_name, call.op, call.inputs, outputs, call.attrs, call.params, _module_path(fx)))

    def _unique_name(self, fx: FxNode, op: str) -> str:
        """Leaf module ops take its path (``features.0``, a second call ``relu_1``); others ``path.op``."""
        path = _module_path(fx)
        short = aten_name(fx.target).removeprefix("_") or "op"
        base = path if path and _module_is_leaf(fx) else (f"{path}.{short}" if path else short)
        name, k = base, 1
        while name in self.used_names:
            name, k = f"{base}_{k}", k + 1
        self.used_names.add(name)
        return name
