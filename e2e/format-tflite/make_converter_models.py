"""Build small Keras models and convert them with TensorFlow's own TFLite converter.

usage: make_converter_models.py outdir
Writes <outdir>/{keras_float,keras_int8,keras_int8_io}.tflite, <outdir>/inputs.json (test inputs,
float32) and prints a JSON summary. Runs in the oracle venv (TensorFlow 2.21, Keras 3).
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf

keras = tf.keras


def build():
    keras.utils.set_random_seed(3)
    x = keras.Input(shape=(16, 16, 3), batch_size=1, name="image")
    a = keras.layers.Conv2D(8, 3, padding="same", name="conv_a")(x)
    a = keras.layers.BatchNormalization(name="bn_a")(a)
    a = keras.layers.ReLU(name="relu_a")(a)
    b = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6", name="dw_b")(a)
    s = keras.layers.Add(name="add")([a, b])
    p = keras.layers.MaxPooling2D(2, name="max")(s)
    q = keras.layers.AveragePooling2D(2, name="avg")(s)
    c = keras.layers.Concatenate(name="concat")([p, q])
    c = keras.layers.ZeroPadding2D(1, name="pad")(c)
    c = keras.layers.Conv2D(16, 3, strides=2, activation="relu", name="conv_c")(c)
    t = keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", name="deconv")(c)
    t = keras.layers.LeakyReLU(negative_slope=0.1, name="leaky")(t)
    t = keras.layers.Activation("sigmoid", name="sigmoid")(t)
    g = keras.layers.GlobalAveragePooling2D(name="gap")(t)
    f = keras.layers.Reshape((2, 4), name="reshape")(g)
    f = keras.layers.Reshape((8,), name="flat")(f)
    d = keras.layers.Dense(12, activation="tanh", name="dense_a")(f)
    y = keras.layers.Dense(5, activation="softmax", name="probs")(d)
    model = keras.Model(x, y)
    # Non-trivial batch-norm statistics so folding matters.
    bn = model.get_layer("bn_a")
    bn.set_weights([np.linspace(0.5, 1.5, 8), np.linspace(-0.2, 0.2, 8), np.linspace(-0.1, 0.1, 8), np.linspace(0.5, 2, 8)])
    return model


def build_rescaling():
    """Rescaling layers become MUL/ADD with constant operands in the converted file."""
    keras.utils.set_random_seed(4)
    x = keras.Input(shape=(8, 8, 3), batch_size=1, name="pixels")
    y = keras.layers.Rescaling(1 / 255.0, offset=-0.5, name="rescale_in")(x)
    y = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(y)
    y = keras.layers.GlobalAveragePooling2D(name="gap")(y)
    y = keras.layers.Activation("tanh", name="tanh")(y)
    y = keras.layers.Rescaling(3.0, offset=0.25, name="rescale_out")(y)
    return keras.Model(x, y)


def convert(model, mode, calib):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode != "float":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ([c[None]] for c in calib)
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if mode == "int8_io":
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
    return conv.convert()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    model = build()
    calib = rng.uniform(0, 1, size=(32, 16, 16, 3)).astype(np.float32)
    summary = {}
    for mode in ("float", "int8", "int8_io"):
        data = convert(model, mode, calib)
        path = os.path.join(out, "keras_%s.tflite" % mode)
        with open(path, "wb") as f:
            f.write(data)
        summary[mode] = {"path": path, "bytes": len(data)}
    data = convert(build_rescaling(), "float", None)
    path = os.path.join(out, "keras_rescaling.tflite")
    with open(path, "wb") as f:
        f.write(data)
    summary["rescaling"] = {"path": path, "bytes": len(data)}
    inputs = rng.uniform(0, 1, size=(4, 16, 16, 3)).astype(np.float32)
    keras_out = model.predict(inputs, verbose=0)
    with open(os.path.join(out, "inputs.json"), "w") as f:
        json.dump({"inputs": inputs.ravel().tolist(), "shape": [1, 16, 16, 3], "count": 4, "keras": keras_out.ravel().tolist()}, f)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
