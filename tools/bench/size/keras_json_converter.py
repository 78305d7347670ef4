"""TFLiteConverter's float32 and 16x8 (int16 activations, int8 weights) files of a Keras model
written as a TF.js Layers model.json + weights.bin (e2e/cli/mobilenet_model.py's output: Keras 3
`to_json()` topology, float32 weights in `model.weights` order). Calibrated like that script's int8
file: 500 training images of DATA_DIR (MNIST idx, raw uint8) drawn with numpy seed 0.

usage: keras_json_converter.py MODEL_DIR DATA_DIR
Writes MODEL_DIR/{float,converter-16x8}.tflite and prints JSON {"weights": n}.
"""
import contextlib
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

model_dir, data_dir = sys.argv[1], sys.argv[2]


def idx(name):
    raw = open(os.path.join(data_dir, name), "rb").read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


with open(os.path.join(model_dir, "model.json")) as fh:
    manifest = json.load(fh)
model = keras.models.model_from_json(json.dumps(manifest["modelTopology"]))
blob = open(os.path.join(model_dir, "weights.bin"), "rb").read()
specs = manifest["weightsManifest"][0]["weights"]
offset = 0
by_path = {}
for s in specs:
    count = int(np.prod(s["shape"])) if s["shape"] else 1
    by_path[s["name"]] = np.frombuffer(blob, np.float32, count, offset).reshape(s["shape"])
    offset += 4 * count
for v in model.weights:
    v.assign(by_path[v.path])

x = idx("train-images-idx3-ubyte").astype(np.float32)[..., None] / 255.0
calibration = x[np.random.default_rng(0).permutation(len(x))[:500]]


def convert(kind):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if kind == "16x8":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ([calibration[i : i + 1]] for i in range(len(calibration)))
        conv.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        ]
    with contextlib.redirect_stdout(sys.stderr):  # the converter prints; stdout is our JSON line
        return conv.convert()


for kind, name in [("float", "float"), ("16x8", "converter-16x8")]:
    with open(os.path.join(model_dir, name + ".tflite"), "wb") as f:
        f.write(convert(kind))
print(json.dumps({"weights": len(specs)}))
