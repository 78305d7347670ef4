"""Accuracy of an .onnx classifier in ONNX Runtime on the given digits.

argv: model.onnx images.f32 labels.u8 count  ->  prints JSON {"accuracy": ..., "qdq": bool}
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort

path, images, labels, count = sys.argv[1:5]
count = int(count)
x = np.fromfile(images, dtype=np.float32).reshape(count, 28, 28, 1)
y = np.fromfile(labels, dtype=np.uint8)[:count]
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
inp = session.get_inputs()[0]
shape = [d if isinstance(d, int) else count for d in inp.shape]
out = session.run(None, {inp.name: x.reshape(shape)})[0]
ops = {n.op_type for n in onnx.load(path).graph.node}
print(json.dumps({"accuracy": float((out.argmax(axis=1) == y).mean()), "qdq": "QuantizeLinear" in ops}))
