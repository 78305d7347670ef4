"""The peer's int8 file of a TF.js Layers model: rebuild the Keras (2.x-era) functional model of a
model.json in Keras 3, load its weights (dequantizing uint8/uint16-quantized shards), and write
TFLiteConverter's float file and its full-integer post-training quantization (float input and
output, as collabopt's files), calibrated on the given representative inputs.

usage: keras_layers_converter.py MODEL_JSON CALIBRATION_NPY OUT_DIR
writes OUT_DIR/keras_float.tflite and OUT_DIR/keras_ptq.tflite; prints {"layers": n}
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

model_json, calibration_npy, out = sys.argv[1], sys.argv[2], sys.argv[3]
with open(model_json) as f:
    spec = json.load(f)
config = spec["modelTopology"]["model_config"]["config"]

# Keys Keras 2.2 wrote that Keras 3 layers no longer take.
DROPPED = {"batch_input_shape", "sparse", "ragged"}


def make_layer(entry):
    cfg = {k: v for k, v in entry["config"].items() if k not in DROPPED}
    if entry["class_name"] == "InputLayer":
        shape = entry["config"]["batch_input_shape"][1:]
        return keras.Input(shape=shape, name=cfg["name"], dtype=cfg.get("dtype", "float32"))
    return getattr(keras.layers, entry["class_name"]).from_config(cfg)


tensors = {}
for entry in config["layers"]:
    name = entry["config"]["name"]
    layer = make_layer(entry)
    if entry["class_name"] == "InputLayer":
        tensors[name] = layer
        continue
    inbound = entry["inbound_nodes"][0]
    args = [tensors[n[0]] for n in inbound]
    tensors[name] = layer(args if len(args) > 1 else args[0])
model = keras.Model(
    [tensors[i[0]] for i in config["input_layers"]],
    [tensors[o[0]] for o in config["output_layers"]],
)

# Weights: the manifest's order within the shards, dequantized (value = q * scale + min).
weights = {}
base = os.path.dirname(model_json)
for group in spec["weightsManifest"]:
    raw = b"".join(open(os.path.join(base, p), "rb").read() for p in group["paths"])
    offset = 0
    for w in group["weights"]:
        count = int(np.prod(w["shape"])) if w["shape"] else 1
        q = w.get("quantization")
        if q:
            dtype = np.uint8 if q["dtype"] == "uint8" else np.uint16
            values = np.frombuffer(raw, dtype, count, offset).astype(np.float32) * q["scale"] + q["min"]
            offset += count * np.dtype(dtype).itemsize
        else:
            values = np.frombuffer(raw, np.float32, count, offset)
            offset += count * 4
        weights[w["name"]] = values.reshape(w["shape"])

# Keras 3 names variables "kernel", "moving_mean"…; the manifest "<layer>/<variable>", with Keras 2's
# "depthwise_kernel" for DepthwiseConv2D's kernel.
ALIASES = {"kernel": ["kernel", "depthwise_kernel"]}


def manifest_value(layer, variable):
    short = variable.name.split("/")[-1]
    for alias in ALIASES.get(short, [short]):
        if f"{layer.name}/{alias}" in weights:
            return weights[f"{layer.name}/{alias}"]
    raise KeyError(f"no weight {layer.name}/{short} in the manifest")


for layer in model.layers:
    if layer.weights:
        layer.set_weights([manifest_value(layer, v) for v in layer.weights])

calibration = np.load(calibration_npy).astype(np.float32)


def representative():
    for x in calibration:
        yield [x[None]]


converter = tf.lite.TFLiteConverter.from_keras_model(model)
with open(os.path.join(out, "keras_float.tflite"), "wb") as f:
    f.write(converter.convert())
converter = tf.lite.TFLiteConverter.from_keras_model(model)
converter.optimizations = [tf.lite.Optimize.DEFAULT]
converter.representative_dataset = representative
converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
with open(os.path.join(out, "keras_ptq.tflite"), "wb") as f:
    f.write(converter.convert())
print(json.dumps({"layers": len(model.layers), "calibration": int(calibration.shape[0])}))
