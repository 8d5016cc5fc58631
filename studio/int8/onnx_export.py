"""Export an :class:`~studio.int8.ir.Int8Model` as ONNX in QDQ form, which onnxruntime fuses into int8 kernels.

Every activation is a ``QuantizeLinear`` / ``DequantizeLinear`` pair with **uint8** codes (zero point + 128:
the very same grid as the IR's int8, ``real = s * (q_u8 - (zp + 128))``), because onnxruntime's x86 kernels
are fast only with unsigned activations. Weights are int8 initializers with per-output-channel scales, biases
int32 with scale ``s_in * s_w``, exactly the IR's integers. The graph runs in torch's NCHW layout: convolution
weights go back from OHWI to OIHW and a linear layer after a flatten gets its columns back in CHW order.

Outputs: ``output`` (float, dequantized) and ``output_codes`` (uint8 codes of the last tensor), so the
integer reference and onnxruntime can be compared code for code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from studio.int8.ir import INT8_MAX, INT8_MIN, Int8Model, TensorSpec
from studio.int8.ir import Int8ModelError as _Int8ModelError

OPSET = 17


class OnnxExportError(_Int8ModelError):
    """An int8 model has something the ONNX export cannot express."""


class _QdqBuilder:
    def __init__(self, model: Int8Model) -> None:
        self.model = model
        self.specs = {t.name: t for t in model.tensors}
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.grid_of: dict[str, TensorSpec] = {}  # IR tensor -> the grid of its Q node
        self.dq_count: dict[str, int] = {}
        self.codes_of: dict[str, str] = {}  # IR tensor -> name of its uint8 codes

    # ------------------------------------------------------------------------------------- helpers
    def init(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.array(array, order="C"), name))  # keeps 0-d scalars
        return name

    def node(self, op: str, inputs: list[str], outputs: list[str], **attrs: Any) -> None:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, outputs, name=f"{outputs[0]}_{op}", **attrs))

    def quantize(self, float_name: str, spec: TensorSpec) -> None:
        """Quantize ``float_name`` on ``spec``'s grid (the codes of IR tensor ``spec.name``)."""
        scale = self.init(f"{spec.name}.scale", np.array(spec.scale, np.float32))
        zero = self.init(f"{spec.name}.zp", np.array(spec.zero_point + 128, np.uint8))
        q = f"{spec.name}.q"
        self.node("QuantizeLinear", [float_name, scale, zero], [q])
        self.codes_of[spec.name] = q
        self.grid_of[spec.name] = spec

    def dq(self, tensor: str) -> str:
        """A DequantizeLinear of IR tensor ``tensor`` for one consumer: onnxruntime fuses a DQ -> op -> Q group
        into an integer kernel only when the DQ feeds nothing else."""
        spec = self.grid_of[tensor]
        n = self.dq_count.get(tensor, 0)
        self.dq_count[tensor] = n + 1
        out = f"{tensor}.dq{n}"
        self.node("DequantizeLinear", [self.codes_of[tensor], f"{spec.name}.scale", f"{spec.name}.zp"], [out])
        return out

    def clamp(self, y: str, op: Any, spec: TensorSpec) -> str:
        # The Q node already saturates to [-128, 127] (ReLU is then free, its floor is the zero point);
        # a narrower clamp (ReLU6) needs a Clip in real values.
        lo = op.act_min if op.act_min > max(INT8_MIN, spec.zero_point) else None
        hi = op.act_max if op.act_max < INT8_MAX else None
        if lo is None and hi is None:
            return y
        lo_real = spec.scale * ((lo if lo is not None else INT8_MIN) - spec.zero_point)
        hi_real = spec.scale * ((hi if hi is not None else INT8_MAX) - spec.zero_point)
        low = self.init(f"{spec.name}.clip_lo", np.array(lo_real, np.float32))
        high = self.init(f"{spec.name}.clip_hi", np.array(hi_real, np.float32))
        self.node("Clip", [y, low, high], [f"{spec.name}.clipped"])
        return f"{spec.name}.clipped"

    def weights(self, op: Any, weights: np.ndarray, s_in: float) -> tuple[str, str]:
        w = self.init(f"{op.name}.w_q", weights.astype(np.int8))
        ws = self.init(f"{op.name}.w_scale", op.weight_scale.astype(np.float32))
        wz = self.init(f"{op.name}.w_zp", np.zeros(len(op.weight_scale), np.int8))
        self.node("DequantizeLinear", [w, ws, wz], [f"{op.name}.w"], axis=0)
        b = self.init(f"{op.name}.b_q", op.bias.astype(np.int32))
        bs = self.init(f"{op.name}.b_scale", (s_in * op.weight_scale).astype(np.float32))
        bz = self.init(f"{op.name}.b_zp", np.zeros(len(op.bias), np.int32))
        self.node("DequantizeLinear", [b, bs, bz], [f"{op.name}.b"], axis=0)
        return f"{op.name}.w", f"{op.name}.b"

    # ------------------------------------------------------------------------------------------- ops
    def conv2d(self, op: Any, out: str) -> None:
        s_in = self.specs[op.inputs[0]].scale
        w, b = self.weights(op, op.weights.transpose(0, 3, 1, 2), s_in)  # OHWI -> OIHW
        pt, pb, pl, pr = op.padding
        self.node(
            "Conv",
            [self.dq(op.inputs[0]), w, b],
            [out],
            group=op.groups,
            strides=list(op.stride),
            pads=[pt, pl, pb, pr],
            dilations=list(op.dilation),
            kernel_shape=list(op.weights.shape[1:3]),
        )

    def fully_connected(self, op: Any, out: str) -> None:
        src = self.specs[op.inputs[0]]
        w, b = self.weights(op, np.asarray(op.weights), src.scale)  # columns in H,W,C order, as flattened
        self.node("Gemm", [self.dq(op.inputs[0]), w, b], [out], transB=1)

    def max_pool2d(self, op: Any, out: str) -> None:
        pt, pb, pl, pr = op.padding
        self.node(
            "MaxPool",
            [self.dq(op.inputs[0])],
            [out],
            kernel_shape=list(op.kernel),
            strides=list(op.stride),
            pads=[pt, pl, pb, pr],
        )

    def average_pool2d(self, op: Any, out: str) -> None:
        h, w, _ = self.specs[op.inputs[0]].shape
        pt, pb, pl, pr = op.padding
        if tuple(op.kernel) == (h, w) and not any(op.padding):
            self.node("GlobalAveragePool", [self.dq(op.inputs[0])], [out])
        else:
            self.node(
                "AveragePool",
                [self.dq(op.inputs[0])],
                [out],
                kernel_shape=list(op.kernel),
                strides=list(op.stride),
                pads=[pt, pl, pb, pr],
                count_include_pad=0,
            )

    def add(self, op: Any, out: str) -> bool:
        spec = self.specs[op.output]
        if op.act_min > max(INT8_MIN, spec.zero_point) or op.act_max < INT8_MAX:
            self.node("Add", [self.dq(i) for i in op.inputs], [out])  # a narrow clamp: float Add + Clip
            return False
        # onnxruntime leaves a QDQ Add in float; its QLinearAdd adds the codes directly (ReLU is the saturation)
        a, b = op.inputs
        scale = self.init(f"{spec.name}.scale", np.array(spec.scale, np.float32))
        zero = self.init(f"{spec.name}.zp", np.array(spec.zero_point + 128, np.uint8))
        q = f"{spec.name}.q"
        self.node("QLinearAdd", [self.codes_of[a], f"{a}.scale", f"{a}.zp", self.codes_of[b], f"{b}.scale", f"{b}.zp",
                                 scale, zero], [q], domain="com.microsoft")  # fmt: skip
        self.codes_of[spec.name] = q
        self.grid_of[spec.name] = spec
        return True

    def concat(self, op: Any, out: str) -> None:
        rank = len(self.specs[op.output].shape)
        if op.axis % rank != rank - 1 or rank != 3:
            raise OnnxExportError(f"{op.name}: only channel concatenation of feature maps can be exported")
        self.node("Concat", [self.dq(i) for i in op.inputs], [out], axis=1)

    def reshape(self, op: Any, out: str) -> None:
        src = self.specs[op.inputs[0]]
        if len(op.shape) != 1:
            raise OnnxExportError(f"{op.name}: only flattening reshapes can be exported to ONNX")
        x = self.dq(op.inputs[0])
        if len(src.shape) == 3 and src.shape[:2] != (1, 1):
            # The IR flattens H,W,C. Transposing to NHWC first keeps that order, and onnxruntime cancels this
            # Transpose against the one its NHWC layout inserts after the int8 convolution, so no transpose
            # runs at all (flattening C,H,W instead cost a transpose back to NCHW: 0.4 ms of the demo's 2 ms).
            self.node("Transpose", [x], [f"{op.output}.nhwc"], perm=[0, 2, 3, 1])
            x = f"{op.output}.nhwc"
        self.node("Flatten", [x], [out], axis=1)

    def build(self) -> Any:
        from onnx import TensorProto, helper

        (first,) = self.model.inputs
        in_spec = self.specs[first]
        in_shape = (
            ["N", in_spec.shape[2], in_spec.shape[0], in_spec.shape[1]]
            if len(in_spec.shape) == 3
            else ["N", *in_spec.shape]
        )
        self.quantize("input", in_spec)
        for op in self.model.ops:
            spec = self.specs[op.output]
            raw = f"{op.output}.float"
            if getattr(self, type(op).kind)(op, raw):
                continue  # the op wrote codes itself
            clamped = self.clamp(raw, op, spec) if hasattr(op, "act_min") else raw
            self.quantize(clamped, spec)
        (last,) = self.model.outputs
        out_spec = self.specs[last]
        self.node("Identity", [self.dq(last)], ["output"])
        self.node("Identity", [self.codes_of[last]], ["output_codes"])
        out_shape = (
            ["N", out_spec.shape[2], out_spec.shape[0], out_spec.shape[1]]
            if len(out_spec.shape) == 3
            else ["N", *out_spec.shape]
        )
        graph = helper.make_graph(
            self.nodes,
            self.model.name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
            [
                helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape),
                helper.make_tensor_value_info("output_codes", TensorProto.UINT8, out_shape),
            ],
            self.inits,
        )
        opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
        onnx_model = helper.make_model(graph, opset_imports=opsets, producer_name="tinyml-studio")
        onnx_model.ir_version = 8
        return onnx_model


def int8_to_onnx(model: Int8Model) -> Any:
    """The QDQ ``onnx.ModelProto`` of ``model`` (checked by ``onnx.checker``).

    Raises :class:`OnnxExportError` for a reshape other than a flatten or a concat along another axis.
    """
    import onnx

    proto = _QdqBuilder(model).build()
    onnx.checker.check_model(proto)
    return proto


def save_int8_onnx(model: Int8Model, path: Path) -> Path:
    """Write the QDQ ONNX file of ``model`` atomically; returns the path."""
    from studio.core.atomic_write import write_bytes_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, int8_to_onnx(model).SerializeToString())
    return path


def onnxruntime_session(model: Int8Model | bytes, threads: int | None = None) -> Any:
    """An onnxruntime CPU session of the exported model, with all graph optimizations (QDQ fusion) on."""
    import onnxruntime as ort

    data = model if isinstance(model, bytes) else int8_to_onnx(model).SerializeToString()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])


def compare_with_onnxruntime(model: Int8Model, x_nchw: np.ndarray) -> dict[str, Any]:
    """Run the integer reference and onnxruntime on the same float batch and compare their output codes.

    Returns ``max_code_difference`` (largest |reference - onnxruntime| in int8 codes), ``max_abs_difference``
    (the same in real units), ``mismatched_fraction`` and ``argmax_agreement``.
    """
    from studio.int8.reference import dequantize, input_codes, run_int8

    out = model.tensor(model.outputs[0])
    ref = run_int8(model, input_codes(model, x_nchw))[model.outputs[0]].reshape(len(x_nchw), -1).astype(np.int32)
    session = onnxruntime_session(model)
    codes = session.run(["output_codes"], {"input": np.ascontiguousarray(x_nchw, dtype=np.float32)})[0]
    ort = codes.reshape(len(x_nchw), -1).astype(np.int32) - 128
    diff = np.abs(ref - ort)
    real_ref = dequantize(ref, out.scale, out.zero_point)
    real_ort = dequantize(ort, out.scale, out.zero_point)
    return {
        "max_code_difference": int(diff.max()),
        "max_abs_difference": float(np.abs(real_ref - real_ort).max()),
        "mismatched_fraction": float((diff > 0).mean()),
        "argmax_agreement": float((real_ref.argmax(1) == real_ort.argmax(1)).mean()),
        "samples": len(x_nchw),
    }
