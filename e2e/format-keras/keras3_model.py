"""Build a Keras 3 functional model covering the layers format-keras supports, with random weights,
and write it the way a TF.js Layers reader receives it: model.json (Keras 3 `to_json()` topology +
a float32 weights manifest keyed by variable path), one shard, plus Keras' own predictions.

usage: keras3_model.py OUT_DIR
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

out = sys.argv[1]
keras.utils.set_random_seed(7)

image = keras.Input((12, 12, 3), name="image")
extra = keras.Input((6,), name="extra")
x = layers.ZeroPadding2D(((1, 0), (0, 1)), name="pad")(image)
x = layers.Conv2D(8, 3, strides=2, padding="valid", activation="relu", name="conv")(x)
x = layers.BatchNormalization(name="bn")(x)
block = keras.Sequential(
    [
        layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="dw"),
        layers.ReLU(6.0, name="relu6"),
        layers.SeparableConv2D(8, 3, padding="same", activation="tanh", name="sep"),
    ],
    name="block",
)
y = block(x)
x = layers.Add(name="residual")([x, y])
x = layers.LayerNormalization(name="ln")(x)
x = layers.Conv2DTranspose(4, 2, strides=2, padding="same", name="deconv")(x)
x = layers.UpSampling2D(2, name="up")(x)
x = layers.MaxPooling2D(2, name="maxpool")(x)
x = layers.AveragePooling2D(2, strides=2, padding="same", name="avgpool")(x)
a = layers.GlobalAveragePooling2D(name="gap")(x)
b = layers.GlobalMaxPooling2D(name="gmp")(x)
f = layers.Flatten(name="flat")(x)
f = layers.Dense(4, activation="sigmoid", name="squash")(f)
shared = layers.Dense(4, name="shared")
e1 = shared(a)
e2 = shared(layers.Dense(4, use_bias=False, name="proj")(extra))
inner_in = keras.Input((4,), name="inner_in")
inner = keras.Model(inner_in, layers.Dense(4, activation="relu", name="inner_dense")(inner_in), name="inner")
e2 = inner(inner(e2))  # a nested functional model, called twice
m = layers.Multiply(name="gate")([e1, b])
d = layers.Subtract(name="diff")([m, e2])
c = layers.Concatenate(name="cat")([d, f, e1])
c = layers.LeakyReLU(negative_slope=0.2, name="leaky")(c)
c = layers.Dropout(0.3, name="drop")(c)
r = layers.Reshape((3, 4), name="reshape")(c)
probs = layers.Softmax(name="probs")(r)
act = layers.Activation("swish", name="swish")(d)
model = keras.Model([image, extra], [probs, act], name="keras3_cover")

# Non-trivial batch-norm statistics.
rng = np.random.default_rng(3)
for layer in model.layers + block.layers:
    if isinstance(layer, layers.BatchNormalization):
        gamma, beta, mean, var = layer.get_weights()
        layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.1, beta.shape), rng.normal(0, 0.2, mean.shape), rng.uniform(0.5, 2, var.shape)])

specs, blobs = [], []
for v in model.weights:
    arr = np.asarray(v.numpy(), dtype=np.float32)
    specs.append({"name": v.path, "shape": list(arr.shape), "dtype": "float32"})
    blobs.append(arr.tobytes())
with open(os.path.join(out, "weights.bin"), "wb") as fh:
    fh.write(b"".join(blobs))
model_json = {
    "format": "layers-model",
    "generatedBy": "keras " + keras.__version__,
    "convertedBy": None,
    "modelTopology": json.loads(model.to_json()),
    "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
}
with open(os.path.join(out, "model.json"), "w") as fh:
    json.dump(model_json, fh)

xs = [rng.normal(0, 1, (2, 12, 12, 3)).astype(np.float32), rng.normal(0, 1, (2, 6)).astype(np.float32)]
ys = model.predict(xs, verbose=0)
json.dump(
    {
        "inputs": [{"shape": list(x.shape), "data": x.ravel().tolist()} for x in xs],
        "outputs": [{"shape": list(y.shape), "data": y.ravel().tolist()} for y in ys],
        "keras": keras.__version__,
    },
    open(os.path.join(out, "io.json"), "w"),
)
