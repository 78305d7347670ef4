"""Print the opset of an ONNX file and the dims of its INT4 initializers (ONNX's own parser).

usage: int4_initializers.py model.onnx → {"opset": n, "int4": {name: dims}}
"""
import json
import sys

import onnx

model = onnx.load(sys.argv[1])
opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
int4 = {t.name: list(t.dims) for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT4}
print(json.dumps({"opset": opset, "int4": int4}))
