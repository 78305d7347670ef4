"""Keras (TensorFlow 2.21, CPU) side of tools/bench/engine: the same models, data, batch and
optimizer as the TF.js engine, timed in the same run. Prints one JSON object on stdout."""
import gzip
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

cfg = json.loads(sys.argv[1])
data_dir = cfg["dataDir"]


def idx(name):
    path = os.path.join(data_dir, name + ".gz")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


x_train = (idx("train-images-idx3-ubyte").astype(np.float32) / 255.0)[..., None]
y_train = idx("train-labels-idx1-ubyte").astype(np.int32)
x_test = (idx("t10k-images-idx3-ubyte").astype(np.float32) / 255.0)[..., None]
y_test = idx("t10k-labels-idx1-ubyte").astype(np.int32)


def conv_bn_relu6(h, filters, size, relu6=True):
    h = keras.layers.Conv2D(filters, size, padding="same", use_bias=False)(h)
    h = keras.layers.BatchNormalization()(h)
    return keras.layers.ReLU(max_value=6.0)(h) if relu6 else h


def depthwise_bn_relu6(h, stride):
    h = keras.layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(h)
    h = keras.layers.BatchNormalization()(h)
    return keras.layers.ReLU(max_value=6.0)(h)


# tools/bench/engine/mobilenet-models.ts defines the same two models for the engine.
MOBILENET_V2_BLOCKS = [(24, 2, 4), (24, 1, 4), (32, 2, 4), (32, 1, 4)]


def mobilenet(kind):
    inp = keras.Input((28, 28, 1))
    h = conv_bn_relu6(inp, 16, 3)
    if kind == "mobilenet-v1":
        for filters, stride in [(32, 2), (64, 1), (64, 2), (128, 1)]:
            h = depthwise_bn_relu6(h, stride)
            h = conv_bn_relu6(h, filters, 1)
    else:
        channels = 16
        for out, stride, expansion in MOBILENET_V2_BLOCKS:
            y = conv_bn_relu6(h, channels * expansion, 1)
            y = depthwise_bn_relu6(y, stride)
            y = conv_bn_relu6(y, out, 1, relu6=False)
            h = keras.layers.Add()([h, y]) if stride == 1 and channels == out else y
            channels = out
    h = keras.layers.GlobalAveragePooling2D()(h)
    return keras.Model(inp, keras.layers.Dense(10)(h))


def build(kind, seed):
    keras.utils.set_random_seed(seed)
    if kind.startswith("mobilenet"):
        model = mobilenet(kind)
        model.compile(
            optimizer=keras.optimizers.Adam(cfg.get("learningRate", 1e-3)),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        return model
    layers = [keras.Input((28, 28, 1))]
    if kind == "bench":
        layers += [
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    else:
        layers += [
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ]
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.get("learningRate", 1e-3)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def fit_settings(model):
    """How model.fit runs here: the comparison is against Keras as a user runs it (compile() and
    fit() defaults: a tf.function train step, no XLA on a CPU-only machine, one step per call)."""
    return {
        "jit_compile": bool(model.jit_compile),
        "run_eagerly": bool(model.run_eagerly),
        "steps_per_execution": int(model.steps_per_execution),
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
    }


def timed_fit(model, n, b):
    t0 = time.perf_counter()
    model.fit(x_train[:n], y_train[:n], batch_size=b, epochs=1, verbose=0, shuffle=False)
    return time.perf_counter() - t0


out = {"tensorflow": tf.__version__, "threads": tf.config.threading.get_intra_op_parallelism_threads()}
for job in cfg["throughput"]:
    model = build(job["model"], 0)
    b = job["batchSize"]
    warmup = job.get("warmupSteps", 3)
    model.fit(x_train[: b * 3], y_train[: b * 3], batch_size=b, epochs=1, verbose=0)  # trace
    # A timed warm-up (the first steps after tracing are slower) that also sizes the measured run:
    # at least trainSamples, and at least minSeconds long, within the training set. fit's fixed
    # cost makes the warm-up overestimate the step time: a run that came out too short is redone
    # longer.
    warm_s = timed_fit(model, b * warmup, b)
    most = len(x_train) // b
    steps = max(job["trainSamples"] // b, int(np.ceil(job.get("minSeconds", 0) / (warm_s / warmup))))
    n = min(steps, most) * b
    train_s = timed_fit(model, n, b)
    while train_s < job.get("minSeconds", 0) and n < most * b:
        n = min(most, int(np.ceil(n / b * 1.1 * job["minSeconds"] / train_s))) * b
        train_s = timed_fit(model, n, b)
    m = job["inferSamples"]
    model.predict(x_test[:256], batch_size=job["inferBatchSize"], verbose=0)
    t0 = time.perf_counter()
    model.predict(x_test[:m], batch_size=job["inferBatchSize"], verbose=0)
    infer_s = time.perf_counter() - t0
    out[f"{job['model']}:throughput"] = {
        "trainPerSec": n / train_s,
        "inferPerSec": m / infer_s,
        "trainSteps": n // b,
        "trainSeconds": train_s,
        "fit": fit_settings(model),
    }

if cfg.get("accuracy"):
    acc = cfg["accuracy"]
    model = build("reference", acc["seed"])
    t0 = time.perf_counter()
    model.fit(x_train, y_train, batch_size=acc["batchSize"], epochs=acc["epochs"], verbose=0, shuffle=True)
    seconds = time.perf_counter() - t0
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    out["reference:accuracy"] = {"accuracy": float(accuracy), "loss": float(loss), "seconds": seconds}

print(json.dumps(out))
