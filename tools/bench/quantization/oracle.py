"""TFLite oracle for the quantization benchmark (run with the oracle venv's python).

Two commands:
  train     train the reference CNN from the manifest's initial weights with Keras (3 epochs Adam 1e-3,
            batch 128, fixed seed) and write the trained weights next to the manifest's files;
  evaluate  (default) as below.

Builds the reference CNN in Keras with the float weights our benchmark trained (raw float32 files
listed in a JSON manifest, Keras layouts), quantizes it with TensorFlow's own TFLiteConverter
(full integer, float I/O, the same representative samples our PTQ used) and runs every .tflite file
given (ours and the converter's) in the TFLite interpreter on the Fashion-MNIST test set.
Prints one JSON object on stdout.
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return x.reshape(-1, 28, 28, 1), y


def spread_indices(count, n):
    m = min(n, count)
    return [(i * count) // m for i in range(m)]


def build_model(manifest, weights_dir):
    import keras

    layers = {
        "Conv2D": lambda s: keras.layers.Conv2D(s["filters"], tuple(s["kernelSize"]), padding=s["padding"], activation=s["activation"], name=s["name"]),
        "MaxPool2D": lambda s: keras.layers.MaxPooling2D(tuple(s["poolSize"]), name=s["name"]),
        "Flatten": lambda s: keras.layers.Flatten(name=s["name"]),
        "Dense": lambda s: keras.layers.Dense(s["units"], activation=s["activation"], name=s["name"]),
    }
    inp = keras.Input(tuple(manifest["inputShape"]), name="input")
    x = inp
    for spec in manifest["layers"]:
        x = layers[spec["op"]](spec)(x)
    model = keras.Model(inp, x)
    for spec in manifest["layers"]:
        if not spec.get("weights"):
            continue
        arrays = []
        for w in spec["weights"]:
            a = np.fromfile(os.path.join(weights_dir, w["file"]), dtype="<f4").reshape(w["shape"])
            arrays.append(a)
        model.get_layer(spec["name"]).set_weights(arrays)
    return model


def run_tflite(path, x, y, batch=1000):
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=path)
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    interp.resize_tensor_input(inp["index"], [batch] + list(x.shape[1:]))
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    correct = 0
    for start in range(0, len(x), batch):
        xb = x[start : start + batch]
        n = len(xb)
        if n < batch:
            xb = np.concatenate([xb, np.zeros((batch - n,) + xb.shape[1:], np.float32)])
        if inp["dtype"] == np.int8:
            s, z = inp["quantization"]
            xb = np.clip(np.round(xb / s) + z, -128, 127).astype(np.int8)
        interp.set_tensor(inp["index"], xb)
        interp.invoke()
        o = interp.get_tensor(out["index"])[:n]
        correct += int((np.argmax(o, axis=-1) == y[start : start + n]).sum())
    return correct / len(x)


def train(args):
    import keras
    import tensorflow as tf

    with open(args.manifest) as f:
        manifest = json.load(f)
    weights_dir = os.path.dirname(os.path.abspath(args.manifest))
    keras.utils.set_random_seed(args.seed)
    xtr, ytr = load(args.data_dir, "train")
    xte, yte = load(args.data_dir, "test")
    model = build_model(manifest, weights_dir)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    import time

    t = time.time()
    model.fit(xtr, ytr, epochs=args.epochs, batch_size=128, shuffle=True, verbose=0)
    seconds = time.time() - t
    for spec in manifest["layers"]:
        for w, a in zip(spec.get("weights", []), model.get_layer(spec["name"]).get_weights()):
            a.astype("<f4").tofile(os.path.join(args.out_dir, w["file"]))
    acc = float((np.argmax(model.predict(xte, batch_size=1000, verbose=0), -1) == yte).mean())
    emit({"tensorflow": tf.__version__, "seconds": seconds, "testAccuracy": acc})


def emit(obj):
    """Write the result JSON to the real stdout (everything else TensorFlow prints goes to stderr)."""
    os.write(RESULT_FD, json.dumps(obj).encode())


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "train":
        ap = argparse.ArgumentParser()
        ap.add_argument("command")
        ap.add_argument("--manifest", required=True)
        ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
        ap.add_argument("--epochs", type=int, default=3)
        ap.add_argument("--seed", type=int, default=1)
        ap.add_argument("--out-dir", required=True)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        return train(ap.parse_args())
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["evaluate"])
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--calibration-samples", type=int, default=500)
    ap.add_argument("--converter-out", required=True)
    ap.add_argument("--tflite", nargs="*", default=[])
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    with open(args.manifest) as f:
        manifest = json.load(f)
    weights_dir = os.path.dirname(os.path.abspath(args.manifest))
    xtr, _ = load(args.data_dir, "train")
    xte, yte = load(args.data_dir, "test")
    model = build_model(manifest, weights_dir)
    logits = model.predict(xte, batch_size=1000, verbose=0)
    keras_float = float((np.argmax(logits, -1) == yte).mean())

    calib = xtr[spread_indices(len(xtr), args.calibration_samples)]

    def representative():
        for i in range(len(calib)):
            yield [calib[i : i + 1]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    blob = converter.convert()
    with open(args.converter_out, "wb") as f:
        f.write(blob)
    result = {
        "tensorflow": tf.__version__,
        "kerasFloatAccuracy": keras_float,
        "converter": {"file": args.converter_out, "bytes": len(blob), "accuracy": run_tflite(args.converter_out, xte, yte)},
        "files": {p: {"bytes": os.path.getsize(p), "accuracy": run_tflite(p, xte, yte)} for p in args.tflite},
    }
    emit(result)


if __name__ == "__main__":
    sys.stdout.flush()
    RESULT_FD = os.dup(1)
    os.dup2(2, 1)
    main()
