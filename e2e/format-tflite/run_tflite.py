"""Run a .tflite file in a real runtime and print its outputs as JSON.

usage: run_tflite.py request.json
request: {"runtime": "tflite" | "armnn", "model": path,
          "inputs": [{"data": [...], "shape": [...], "dtype": "float32" | "int8"}],
          "ranges": bool  (tflite only: min/max of every float32 tensor, by name)}
TensorFlow's interpreter runs under the oracle venv; Arm NN under Debian's python3 (pyarmnn).
"""
import json
import sys

import numpy as np


def run_tflite(req):
    import tensorflow as tf

    it = tf.lite.Interpreter(model_path=req["model"], experimental_preserve_all_tensors=bool(req.get("ranges")), num_threads=1)
    it.allocate_tensors()
    for detail, x in zip(it.get_input_details(), req["inputs"]):
        it.set_tensor(detail["index"], np.asarray(x["data"], dtype=detail["dtype"]).reshape(x["shape"]))
    it.invoke()
    outputs = []
    for d in it.get_output_details():
        y = it.get_tensor(d["index"])
        outputs.append({"data": y.astype(np.float64).ravel().tolist(), "shape": list(y.shape), "dtype": str(y.dtype)})
    result = {"outputs": outputs}
    if req.get("ranges"):
        ranges = {}
        for d in it.get_tensor_details():
            if d["dtype"] != np.float32:
                continue
            try:
                t = it.get_tensor(d["index"])
            except ValueError:
                continue
            if t.size:
                ranges[d["name"]] = [float(t.min()), float(t.max())]
        result["ranges"] = ranges
    return result


def run_armnn(req):
    import pyarmnn as ann

    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(req["model"])
    runtime = ann.IRuntime(ann.CreationOptions())
    opt, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)
    in_names = parser.GetSubgraphInputTensorNames(0)
    in_info = [parser.GetNetworkInputBindingInfo(0, n) for n in in_names]
    datas = []
    for info, x in zip(in_info, req["inputs"]):
        dt = np.int8 if x.get("dtype") == "int8" else np.uint8 if x.get("dtype") == "uint8" else np.float32
        datas.append(np.asarray(x["data"], dtype=dt).reshape(x["shape"]))
    in_tensors = ann.make_input_tensors(in_info, datas)
    out_names = parser.GetSubgraphOutputTensorNames(0)
    out_info = [parser.GetNetworkOutputBindingInfo(0, n) for n in out_names]
    out_tensors = ann.make_output_tensors(out_info)
    runtime.EnqueueWorkload(net_id, in_tensors, out_tensors)
    ys = ann.workload_tensors_to_ndarray(out_tensors)
    return {"outputs": [{"data": np.asarray(y).astype(np.float64).ravel().tolist(), "shape": list(np.asarray(y).shape), "dtype": str(np.asarray(y).dtype)} for y in ys]}


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    result = run_armnn(req) if req.get("runtime") == "armnn" else run_tflite(req)
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
