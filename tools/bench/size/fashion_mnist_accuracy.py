"""Top-1 accuracy of .tflite files on the Fashion-MNIST test set (10,000 images scaled to [0, 1]),
run by TensorFlow's own TFLite interpreter. Usage: fashion_mnist_accuracy.py model.tflite ...
Prints JSON {path: accuracy}."""
import gzip
import json
import os
import sys

import numpy as np
import tensorflow as tf

DIR = "/usr/share/datasets/fashion-mnist"


def idx(stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(DIR, name)
        if os.path.exists(p):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(p, "rb") as f:
                data = f.read()
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)
    raise SystemExit(f"{stem} not found in {DIR}")


x = idx("t10k-images-idx3-ubyte").astype(np.float32)[..., None] / 255.0
y = idx("t10k-labels-idx1-ubyte").astype(np.int64)
out = {}
for path in sys.argv[1:]:
    interp = tf.lite.Interpreter(model_path=path)
    inp = interp.get_input_details()[0]
    batch = len(x) if inp["shape_signature"][0] == -1 else 1  # a static batch-1 file: one at a time
    interp.resize_tensor_input(inp["index"], [batch, 28, 28, 1])
    interp.allocate_tensors()
    correct = 0
    for i in range(0, len(x), batch):
        interp.set_tensor(inp["index"], x[i : i + batch])
        interp.invoke()
        logits = interp.get_tensor(interp.get_output_details()[0]["index"])
        correct += int((logits.argmax(axis=1) == y[i : i + batch]).sum())
    out[path] = correct / len(x)
print(json.dumps(out))
