"""Quantize a float ONNX model with ONNX Runtime's own static quantizer (QDQ format).

usage: ort_quantize.py float.onnx calibration.npy out.onnx [per_channel] [uint8|int8]
Calibration samples are the rows of the .npy (batched along dimension 0, fed one at a time).
Prints JSON: {"ops": [op types of the quantized graph]}.
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
    per_channel = "per_channel" in sys.argv[4:]
    act = QuantType.QUInt8 if "uint8" in sys.argv[4:] else QuantType.QInt8
    data = np.load(calib).astype(np.float32)
    quantize_static(
        src,
        out,
        Reader(src, data),
        quant_format=QuantFormat.QDQ,
        per_channel=per_channel,
        activation_type=act,
        weight_type=QuantType.QInt8,
    )
    m = onnx.load(out)
    sys.stdout.write(json.dumps({"ops": [n.op_type for n in m.graph.node]}))


if __name__ == "__main__":
    main()
