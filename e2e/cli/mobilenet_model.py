"""Train a small MobileNet-v1-style classifier (depthwise-separable blocks, BatchNorm, ReLU6, a
Dense softmax head) with Keras on the Fashion-MNIST subset in DATA_DIR (MNIST idx files, raw
uint8), and write it as a TF.js Layers model: model.json (Keras 3 `to_json()` topology + a float32
weights manifest) and weights.bin. Also the peer's int8 file of the same model: TFLiteConverter
full-integer post-training quantization (float input and output, as collabopt's leaves), calibrated
on 500 training images drawn with a fixed seed, as keras_ptq.tflite.

usage: mobilenet_model.py DATA_DIR OUT_DIR EPOCHS
"""
import contextlib
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

data_dir, out, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
keras.utils.set_random_seed(1)


def idx(name):
    raw = open(os.path.join(data_dir, name), "rb").read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


x = idx("train-images-idx3-ubyte").astype(np.float32)[..., None] / 255.0
y = idx("train-labels-idx1-ubyte").astype(np.int32)


def conv_bn(h, filters, name, kernel=1, strides=1):
    h = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=name)(h)
    h = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(h)
    return layers.ReLU(6.0, name=f"{name}_relu6")(h)


def separable_block(h, filters, strides, i):
    h = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False, name=f"dw{i}")(h)
    h = layers.BatchNormalization(momentum=0.9, name=f"dw{i}_bn")(h)
    h = layers.ReLU(6.0, name=f"dw{i}_relu6")(h)
    return conv_bn(h, filters, f"pw{i}")


image = keras.Input((28, 28, 1), name="image")
h = conv_bn(image, 16, "stem", kernel=3, strides=2)  # 14×14
h = separable_block(h, 32, 1, 1)
h = separable_block(h, 64, 2, 2)  # 7×7
h = separable_block(h, 64, 1, 3)
h = layers.GlobalAveragePooling2D(name="pool")(h)
probs = layers.Dense(10, activation="softmax", name="probs")(h)
model = keras.Model(image, probs, name="mobilenet_v1_tiny")
model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=64, epochs=epochs, verbose=0)

specs, blobs = [], []
for v in model.weights:
    arr = np.asarray(v.numpy(), dtype=np.float32)
    specs.append({"name": v.path, "shape": list(arr.shape), "dtype": "float32"})
    blobs.append(arr.tobytes())
with open(os.path.join(out, "weights.bin"), "wb") as fh:
    fh.write(b"".join(blobs))
with open(os.path.join(out, "model.json"), "w") as fh:
    json.dump(
        {
            "format": "layers-model",
            "generatedBy": "keras " + keras.__version__,
            "convertedBy": None,
            "modelTopology": json.loads(model.to_json()),
            "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
        },
        fh,
    )
import tensorflow as tf  # noqa: E402

calibration = x[np.random.default_rng(0).permutation(len(x))[:500]]


def representative():
    for i in range(len(calibration)):
        yield [calibration[i : i + 1]]


converter = tf.lite.TFLiteConverter.from_keras_model(model)
converter.optimizations = [tf.lite.Optimize.DEFAULT]
converter.representative_dataset = representative
converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
with contextlib.redirect_stdout(sys.stderr):  # the converter prints; stdout is our JSON line
    converted = converter.convert()
with open(os.path.join(out, "keras_ptq.tflite"), "wb") as fh:
    fh.write(converted)

xt = idx("t10k-images-idx3-ubyte").astype(np.float32)[..., None] / 255.0
yt = idx("t10k-labels-idx1-ubyte").astype(np.int32)
print(json.dumps({"keras_test_accuracy": float(model.evaluate(xt, yt, verbose=0)[1])}))
