"""For a QDQ model, an input (.npy) and the same model at opset 21: onnx.reference output (it implements
QuantizeLinear/DequantizeLinear from opset 19 on), ONNX Runtime output, the op types of
ORT's optimised graph (to see its int8 kernels), and statistics of the int8 weight initializers."""
import json
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnx.reference import ReferenceEvaluator

model_path, input_path, ref_path = sys.argv[1], sys.argv[2], sys.argv[3]
x = np.load(input_path)
model = onnx.load(model_path)
name = model.graph.input[0].name
ref = ReferenceEvaluator(onnx.load(ref_path)).run(None, {name: x})[0]
opt_path = tempfile.mktemp(suffix=".onnx")
so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
so.optimized_model_filepath = opt_path
sess = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
out = sess.run(None, {name: x})[0]
opt = onnx.load(opt_path)
weights = {}
for init in model.graph.initializer:
    if init.data_type == onnx.TensorProto.INT8 and len(init.dims) >= 2:
        q = numpy_helper.to_array(init)
        per_channel = [len(np.unique(q[c])) for c in range(q.shape[0])]
        weights[init.name] = {"zeros": int((q == 0).sum()), "size": int(q.size), "maxUniquePerRow": int(max(per_channel)), "unique": int(len(np.unique(q)))}
print(json.dumps({
    "reference": ref.ravel().tolist(),
    "ort": out.ravel().tolist(),
    "optimizedOps": sorted({n.op_type for n in opt.graph.node}),
    "weights": weights,
}))
