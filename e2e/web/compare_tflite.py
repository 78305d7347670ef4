"""Load two int8 .tflite files in TF's interpreter, classify the same digits, compare.

argv: a.tflite b.tflite images.f32 labels.u8 count
Prints JSON: accuracy of each, agreement of their predictions, and the largest difference of
the int8/int32 tensors after the last sample, weights included (in LSBs) and how many bytes differ.
"""
import json
import sys

import numpy as np
import tensorflow as tf


def classify(path, x):
    it = tf.lite.Interpreter(model_path=path)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    scale, zero = inp["quantization"]
    preds = []
    for i in range(x.shape[0]):
        sample = x[i : i + 1]
        if inp["dtype"] != np.float32:
            sample = np.clip(np.round(sample / scale + zero), -128, 127).astype(inp["dtype"])
        it.set_tensor(inp["index"], sample.reshape(inp["shape"]))
        it.invoke()
        preds.append(int(np.argmax(it.get_tensor(out["index"])[0])))
    return np.array(preds), it


def constants(it):
    out = {}
    for d in it.get_tensor_details():
        if d["dtype"] in (np.int8, np.int32):
            try:
                out[d["name"]] = it.get_tensor(d["index"]).astype(np.int64)
            except ValueError:
                pass
    return out


def load_digits(images, labels, count):
    x = np.fromfile(images, dtype=np.float32).reshape(count, 28, 28, 1)
    y = np.fromfile(labels, dtype=np.uint8)[:count]
    return x, y


def compare(a_path, b_path, x, y):
    """Accuracy of both files, agreement, largest int8/int32 tensor difference (LSB), bytes."""
    pa, ia = classify(a_path, x)
    pb, ib = classify(b_path, x)
    ca, cb = constants(ia), constants(ib)
    max_lsb = 0
    for name, t in ca.items():
        u = cb.get(name)
        if u is not None and u.shape == t.shape and t.size > 0:
            max_lsb = max(max_lsb, int(np.abs(t - u).max()))
    ba, bb = open(a_path, "rb").read(), open(b_path, "rb").read()
    return {
        "accuracyA": float((pa == y).mean()),
        "accuracyB": float((pb == y).mean()),
        "agreement": float((pa == pb).mean()),
        "constantsCompared": len([n for n in ca if n in cb]),
        "maxConstantLsb": max_lsb,
        "sizes": [len(ba), len(bb)],
        "identical": ba == bb,
    }


if __name__ == "__main__":
    a_path, b_path, images, labels, count = sys.argv[1:6]
    x, y = load_digits(images, labels, int(count))
    print(json.dumps(compare(a_path, b_path, x, y)))
