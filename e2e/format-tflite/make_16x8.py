"""A Keras CNN converted by TensorFlow's TFLite converter to float32 and to 16x8 (int16
activations, int8 weights: OpsSet EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8).

usage: make_16x8.py outdir
Writes <outdir>/{float,16x8}.tflite, <outdir>/calibration.f32 (the representative samples, raw
float32 NHWC) and <outdir>/inputs.f32 (test samples), and prints a JSON summary with the op codes,
versions and tensor types of the 16x8 file.
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf

keras = tf.keras


def build():
    keras.utils.set_random_seed(5)
    x = keras.Input(shape=(12, 12, 2), batch_size=1, name="image")
    a = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
    b = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6", name="dw")(a)
    s = keras.layers.Add(name="add")([a, b])
    p = keras.layers.MaxPooling2D(2, name="pool")(s)
    c = keras.layers.Conv2D(12, 3, strides=2, activation="relu", name="conv2")(p)
    q = keras.layers.AveragePooling2D(2, name="avg")(c)
    f = keras.layers.Flatten(name="flatten")(q)
    d = keras.layers.Dense(16, activation="relu", name="dense1")(f)
    y = keras.layers.Dense(6, activation="softmax", name="probs")(d)
    model = keras.Model(x, y)
    rng = np.random.default_rng(9)
    for layer in model.layers:
        w = layer.get_weights()
        if len(w) == 2:  # non-zero biases so their encoding matters
            layer.set_weights([w[0], rng.uniform(-0.2, 0.2, size=w[1].shape).astype(np.float32)])
    return model


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    model = build()
    calib = rng.uniform(0, 1, size=(64, 12, 12, 2)).astype(np.float32)
    inputs = rng.uniform(0, 1, size=(32, 12, 12, 2)).astype(np.float32)
    calib.tofile(os.path.join(out, "calibration.f32"))
    inputs.tofile(os.path.join(out, "inputs.f32"))
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    with open(os.path.join(out, "float.tflite"), "wb") as f:
        f.write(conv.convert())
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([c[None]] for c in calib)
    conv.target_spec.supported_ops = [
        tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
    ]
    data = conv.convert()
    path = os.path.join(out, "16x8.tflite")
    with open(path, "wb") as f:
        f.write(data)
    it = tf.lite.Interpreter(model_path=path)
    ops = it._get_ops_details()
    tensors = {d["index"]: d for d in it.get_tensor_details()}
    summary = {
        "ops": [
            {
                "op": o["op_name"],
                "inputs": [str(tensors[i]["dtype"].__name__) if i >= 0 else None for i in o["inputs"]],
                "outputs": [str(tensors[i]["dtype"].__name__) for i in o["outputs"]],
                "out_quant": [list(map(float, tensors[i]["quantization_parameters"]["scales"][:2])) + list(map(int, tensors[i]["quantization_parameters"]["zero_points"][:1])) for i in o["outputs"]],
            }
            for o in ops
        ],
        "bytes": len(data),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
