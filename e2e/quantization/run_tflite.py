"""Run a .tflite file in TensorFlow's TFLite interpreter on raw float32 inputs.

usage: run_tflite.py model.tflite input.bin N,H,W,C output.bin
Writes the (dequantized, float32) first output to output.bin and prints a JSON description of the
model's input/output tensors (dtype, quantization) on stdout.
"""
import json
import sys

import numpy as np
import tensorflow as tf


def main():
    model, inp_file, shape, out_file = sys.argv[1:5]
    shape = [int(s) for s in shape.split(",")]
    x = np.fromfile(inp_file, dtype="<f4").reshape(shape)
    interp = tf.lite.Interpreter(model_path=model)
    d = interp.get_input_details()[0]
    interp.resize_tensor_input(d["index"], shape)
    interp.allocate_tensors()
    d = interp.get_input_details()[0]
    o = interp.get_output_details()[0]
    if d["dtype"] == np.int8:
        s, z = d["quantization"]
        x = np.clip(np.round(x / s) + z, -128, 127).astype(np.int8)
    interp.set_tensor(d["index"], x)
    interp.invoke()
    y = interp.get_tensor(o["index"])
    if o["dtype"] == np.int8:
        s, z = o["quantization"]
        y = (y.astype(np.float32) - z) * s
    y.astype("<f4").tofile(out_file)
    json.dump({"input": {"dtype": str(d["dtype"].__name__), "quantization": list(d["quantization"])},
               "output": {"dtype": str(o["dtype"].__name__), "quantization": list(o["quantization"])}}, sys.stdout)


if __name__ == "__main__":
    main()
