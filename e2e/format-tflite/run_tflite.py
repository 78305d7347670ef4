"""Run a .tflite file in a real runtime and print its outputs as JSON.

usage: run_tflite.py request.json
request: {"runtime": "tflite" | "armnn", "jobs": [job, ...]} → {"results": [result, ...]}
job: {"model": path,
          "samples": [[{"data": [...], "shape": [...], "dtype": "float32" | "int8"}, ...], ...],
          "ranges": bool  (tflite only: min/max over all samples of every float32 tensor, by name)}
result: {"samples": [[{"data", "shape", "dtype"} per model output], ...], "ranges": {...}}
TensorFlow's interpreter runs under the oracle venv; Arm NN under Debian's python3 (pyarmnn).
"""
import json
import sys

import numpy as np


def encode(y):
    y = np.asarray(y)
    return {"data": y.astype(np.float64).ravel().tolist(), "shape": list(y.shape), "dtype": str(y.dtype)}


def run_tflite(req):
    import tensorflow as tf

    it = tf.lite.Interpreter(model_path=req["model"], experimental_preserve_all_tensors=bool(req.get("ranges")), num_threads=1)
    it.allocate_tensors()
    samples = []
    ranges = {}
    for inputs in req["samples"]:
        for detail, x in zip(it.get_input_details(), inputs):
            it.set_tensor(detail["index"], np.asarray(x["data"], dtype=detail["dtype"]).reshape(x["shape"]))
        it.invoke()
        samples.append([encode(it.get_tensor(d["index"])) for d in it.get_output_details()])
        if req.get("ranges"):
            for d in it.get_tensor_details():
                if d["dtype"] != np.float32:
                    continue
                try:
                    t = it.get_tensor(d["index"])
                except ValueError:
                    continue
                if t.size:
                    lo, hi = ranges.get(d["name"], [float("inf"), float("-inf")])
                    ranges[d["name"]] = [min(lo, float(t.min())), max(hi, float(t.max()))]
    return {"samples": samples, "ranges": ranges}


def run_armnn(req):
    import pyarmnn as ann

    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(req["model"])
    runtime = ann.IRuntime(ann.CreationOptions())
    opt, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)
    in_names = parser.GetSubgraphInputTensorNames(0)
    in_info = [parser.GetNetworkInputBindingInfo(0, n) for n in in_names]
    out_names = parser.GetSubgraphOutputTensorNames(0)
    out_info = [parser.GetNetworkOutputBindingInfo(0, n) for n in out_names]
    samples = []
    for inputs in req["samples"]:
        datas = []
        for x in inputs:
            dt = np.int8 if x.get("dtype") == "int8" else np.uint8 if x.get("dtype") == "uint8" else np.float32
            datas.append(np.asarray(x["data"], dtype=dt).reshape(x["shape"]))
        in_tensors = ann.make_input_tensors(in_info, datas)
        out_tensors = ann.make_output_tensors(out_info)
        runtime.EnqueueWorkload(net_id, in_tensors, out_tensors)
        samples.append([encode(y) for y in ann.workload_tensors_to_ndarray(out_tensors)])
    return {"samples": samples}


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    run = run_armnn if req.get("runtime") == "armnn" else run_tflite
    results = []
    for job in req["jobs"]:
        try:
            results.append(run(job))
        except Exception as e:  # reported per job: one unsupported model must not hide the others
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    sys.stdout.write(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
