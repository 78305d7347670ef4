"""Train DESIGN.md's reference CNN with Keras 3 (TensorFlow 2.21) on Fashion-MNIST and save it as an
ONNX model built with onnx.helper (NCHW, opset 13, a Transpose before Flatten like converters emit),
so the benchmark imports a model nobody here wrote through our reader.

usage: train_reference_cnn.py OUT.onnx EPOCHS TRAIN_LIMIT  → prints {"keras_test_accuracy", "seconds"}
"""
import gzip
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras
import onnx
from onnx import helper, numpy_helper, TensorProto

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name):
    path = next(os.path.join(DIR, f) for f in os.listdir(DIR) if f.startswith(name))
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


out_path, epochs, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x_train = idx("train-images").astype(np.float32)[:limit, :, :, None] / 255.0
y_train = idx("train-labels")[:limit].astype(np.int64)
x_test = idx("t10k-images").astype(np.float32)[:, :, :, None] / 255.0
y_test = idx("t10k-labels").astype(np.int64)

keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(16, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Conv2D(32, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(10),
])
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
t0 = time.time()
model.fit(x_train, y_train, epochs=epochs, batch_size=128, verbose=0)
seconds = time.time() - t0
acc = float(model.evaluate(x_test, y_test, verbose=0)[1])

(k1, b1), (k2, b2), (k3, b3), (k4, b4) = [l.get_weights() for l in model.layers if l.get_weights()]
inits = [
    numpy_helper.from_array(k1.transpose(3, 2, 0, 1).copy(), "conv1.W"), numpy_helper.from_array(b1, "conv1.B"),
    numpy_helper.from_array(k2.transpose(3, 2, 0, 1).copy(), "conv2.W"), numpy_helper.from_array(b2, "conv2.B"),
    numpy_helper.from_array(k3, "dense1.W"), numpy_helper.from_array(b3, "dense1.B"),
    numpy_helper.from_array(k4, "logits.W"), numpy_helper.from_array(b4, "logits.B"),
]
nodes = [
    helper.make_node("Conv", ["image", "conv1.W", "conv1.B"], ["c1"], name="conv1", kernel_shape=[3, 3]),
    helper.make_node("Relu", ["c1"], ["r1"], name="conv1_relu"),
    helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["p1", "conv2.W", "conv2.B"], ["c2"], name="conv2", kernel_shape=[3, 3]),
    helper.make_node("Relu", ["c2"], ["r2"], name="conv2_relu"),
    helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Transpose", ["p2"], ["p2_nhwc"], name="to_nhwc", perm=[0, 2, 3, 1]),
    helper.make_node("Flatten", ["p2_nhwc"], ["flat"], name="flatten", axis=1),
    helper.make_node("Gemm", ["flat", "dense1.W", "dense1.B"], ["d1"], name="dense1"),
    helper.make_node("Relu", ["d1"], ["r3"], name="dense1_relu"),
    helper.make_node("Gemm", ["r3", "logits.W", "logits.B"], ["logits"], name="logits"),
]
graph = helper.make_graph(
    nodes, "reference_cnn",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
    inits,
)
m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="keras+onnx.helper")
m.ir_version = 7
onnx.checker.check_model(m, full_check=True)
onnx.save(m, out_path)
print(json.dumps({"keras_test_accuracy": acc, "seconds": seconds}))
