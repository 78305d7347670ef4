"""The reference CNN of DESIGN.md (Conv2D 16 3x3 relu, MaxPool 2, Conv2D 32 3x3 relu, MaxPool 2,
Flatten, Dense 64 relu, Dense 10) trained by Keras on Fashion-MNIST (pixels / 255, Adam 1e-3,
batch 128, seed 1), then written by TensorFlow's TFLiteConverter as float32, full int8 (float I/O)
and 16x8 (int16 activations, int8 weights), each calibrated on the same 500 training images.

usage: keras_reference.py OUT_DIR TRAIN_SAMPLES EPOCHS
Writes OUT_DIR/{float,converter-int8,converter-16x8}.tflite and prints JSON {keras_accuracy, seconds}.
"""
import gzip
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras = tf.keras
DIR = "/usr/share/datasets/fashion-mnist"
out, samples, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)


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


x = idx("train-images-idx3-ubyte").astype(np.float32)[:samples, ..., None] / 255.0
y = idx("train-labels-idx1-ubyte").astype(np.int64)[:samples]
xt = idx("t10k-images-idx3-ubyte").astype(np.float32)[..., None] / 255.0
yt = idx("t10k-labels-idx1-ubyte").astype(np.int64)

keras.utils.set_random_seed(1)


def reference_cnn(batch_size=None):
    inp = keras.Input(shape=(28, 28, 1), batch_size=batch_size, name="image")
    h = keras.layers.Conv2D(16, 3, activation="relu", name="conv1")(inp)
    h = keras.layers.MaxPooling2D(2, name="pool1")(h)
    h = keras.layers.Conv2D(32, 3, activation="relu", name="conv2")(h)
    h = keras.layers.MaxPooling2D(2, name="pool2")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(64, activation="relu", name="dense1")(h)
    logits = keras.layers.Dense(10, name="logits")(h)
    return keras.Model(inp, logits)


model = reference_cnn()
model.compile(
    optimizer=keras.optimizers.Adam(1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
t0 = time.time()
model.fit(x, y, batch_size=128, epochs=epochs, verbose=0)
seconds = time.time() - t0
accuracy = float(model.evaluate(xt, yt, verbose=0)[1])
calib = x[:500]


# A batch-1 copy for the converter: with a dynamic batch Keras 3's Flatten becomes SHAPE /
# STRIDED_SLICE / PACK ops; with a static one a plain RESHAPE (what a deployed file has).
deployed = reference_cnn(batch_size=1)
deployed.set_weights(model.get_weights())


def convert(kind):
    conv = tf.lite.TFLiteConverter.from_keras_model(deployed)
    if kind != "float":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ([c[None]] for c in calib)
        conv.target_spec.supported_ops = [
            tf.lite.OpsSet.TFLITE_BUILTINS_INT8
            if kind == "int8"
            else tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        ]
    return conv.convert()


for kind, name in [("float", "float"), ("int8", "converter-int8"), ("16x8", "converter-16x8")]:
    with open(os.path.join(out, name + ".tflite"), "wb") as f:
        f.write(convert(kind))
print(json.dumps({"keras_accuracy": accuracy, "seconds": seconds}))
