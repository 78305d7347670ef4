"""Accuracy of .tflite files on the Fashion-MNIST test set in TensorFlow 2.21's tf.lite.Interpreter.

usage: tflite_accuracy.py [--correct] <test count> model.tflite [...]
  → one JSON object {path: accuracy}; with --correct, {"accuracy": {path: accuracy},
    "correct": {path: "0110…"}}, one character per test image (1: predicted its label), so two
    models can be compared image by image (a paired test).
Pixels scaled to [0, 1] (the reference CNN's preprocessing), float32 input, one sample per invoke.
"""
import gzip
import json
import sys

import numpy as np
import tensorflow as tf

FASHION = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    args = sys.argv[1:]
    per_image = args[:1] == ["--correct"]
    if per_image:
        args = args[1:]
    count = int(args[0])
    x = idx(f"{FASHION}/t10k-images-idx3-ubyte.gz")[:count].astype(np.float32) / 255.0
    y = idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")[:count]
    out = {}
    marks = {}
    for path in args[1:]:
        it = tf.lite.Interpreter(model_path=path, num_threads=1)
        it.allocate_tensors()
        inp = it.get_input_details()[0]
        res = it.get_output_details()[0]
        hits = []
        for i in range(count):
            it.set_tensor(inp["index"], x[i].reshape(inp["shape"]))
            it.invoke()
            hits.append(int(np.argmax(it.get_tensor(res["index"])) == y[i]))
        out[path] = sum(hits) / count
        marks[path] = "".join(map(str, hits))
    print(json.dumps({"accuracy": out, "correct": marks} if per_image else out))


main()
