"""ONNX checker + strict shape inference for every model path given; prints one JSON object."""
import json
import sys

import onnx

results = {}
for path in sys.argv[1:]:
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
        results[path] = "ok"
    except Exception as e:  # report, don't stop: the test names the failing model
        results[path] = f"{type(e).__name__}: {e}"
print(json.dumps(results))
