"""Quantize a float ONNX model with ONNX Runtime's own static quantizer, 4-bit weights (QDQ).

usage: int4-ort-quantize.py float.onnx calibration.npy out.onnx [per_channel]
Weights QInt4 (INT4 initializers + DequantizeLinear), activations QInt8; calibration samples are
the rows of the .npy, fed one at a time. Prints JSON: {"opset": n, "int4": {name: dims},
"ops": [op types]}.
"""
import json
import sys

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static


class Reader(CalibrationDataReader):
    def __init__(self, model_path, data):
        m = onnx.load(model_path)
        self.name = m.graph.input[0].name
        self.items = iter([{self.name: data[i : i + 1]} for i in range(data.shape[0])])

    def get_next(self):
        return next(self.items, None)


def main():
    src, calib, out = sys.argv[1:4]
    data = np.load(calib).astype(np.float32)
    quantize_static(
        src,
        out,
        Reader(src, data),
        quant_format=QuantFormat.QDQ,
        per_channel="per_channel" in sys.argv[4:],
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt4,
    )
    m = onnx.load(out)
    opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    int4 = {
        t.name: list(t.dims) for t in m.graph.initializer if t.data_type == onnx.TensorProto.INT4
    }
    sys.stdout.write(json.dumps({"opset": opset, "int4": int4, "ops": [n.op_type for n in m.graph.node]}))


if __name__ == "__main__":
    main()
