"""Peer for the pruning benchmark: the same recipe in TensorFlow 2.21 / Keras 3.

TFMOT itself cannot run here (it needs legacy tf_keras, which is not installed), so the peer
reproduces prune_low_magnitude's documented step semantics with a callback: before batch k
(k counted from 1) the mask is recomputed from the current kernel when ConstantSparsity says so
((k - begin) % frequency == 0), then W <- W * mask; gradients reach every element, pruned
positions are re-zeroed before the next batch and after training (strip).

Prints one JSON line: baseline/pruned accuracies, per-kernel sparsity and wall times.
Usage: peer_keras.py --sparsities 0.5,0.8 --epochs 2 --baseline-epochs 3 --seed 42 [--train-limit N]
"""
import argparse
import gzip
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(ROOT, name), "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def reference_cnn(seed):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 3, activation="relu", name="conv1"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, activation="relu", name="conv2"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu", name="dense1"),
        keras.layers.Dense(10, name="logits"),
    ])


class MagnitudePruning(keras.callbacks.Callback):
    """ConstantSparsity(sparsity, begin, -1, frequency) on every Conv2D/Dense kernel."""

    def __init__(self, sparsity, begin=0, frequency=100):
        super().__init__()
        self.sparsity, self.begin, self.frequency = sparsity, begin, frequency
        self.step = 0
        self.masks = {}

    def kernels(self):
        return [l.kernel for l in self.model.layers if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense))]

    def on_train_begin(self, logs=None):
        self.masks = {id(k): tf.ones(k.shape, tf.float32) for k in self.kernels()}

    def on_train_batch_begin(self, batch, logs=None):
        self.step += 1
        due = self.step >= self.begin and (self.step - self.begin) % self.frequency == 0
        for k in self.kernels():
            if due:
                a = np.abs(k.numpy())
                keep = int(max(np.round(np.float32(a.size) * np.float32(1 - np.float32(self.sparsity))), 1))
                threshold = np.sort(a.ravel())[::-1][keep - 1]
                self.masks[id(k)] = tf.constant((a >= threshold).astype(np.float32))
            k.assign(k * self.masks[id(k)])

    def on_train_end(self, logs=None):
        for k in self.kernels():
            k.assign(k * self.masks[id(k)])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sparsities", default="0.5,0.8")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--baseline-epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--train-limit", type=int, default=0)
    p.add_argument("--frequency", type=int, default=100)
    a = p.parse_args()
    x = (idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255.0)[..., None]
    y = idx("train-labels-idx1-ubyte.gz").astype(np.int32)
    if a.train_limit:
        x, y = x[:a.train_limit], y[:a.train_limit]
    xt = (idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0)[..., None]
    yt = idx("t10k-labels-idx1-ubyte.gz").astype(np.int32)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    model = reference_cnn(a.seed)
    model.compile(keras.optimizers.Adam(1e-3), loss, metrics=["accuracy"])
    t0 = time.time()
    model.fit(x, y, batch_size=128, epochs=a.baseline_epochs, shuffle=True, verbose=0)
    out = {"backend": "tensorflow " + tf.__version__, "baseline_seconds": time.time() - t0}
    out["baseline_accuracy"] = float(model.evaluate(xt, yt, batch_size=512, verbose=0)[1])
    weights = model.get_weights()
    out["pruned"] = []
    for s in [float(v) for v in a.sparsities.split(",")]:
        m = reference_cnn(a.seed)
        m.set_weights(weights)
        m.compile(keras.optimizers.Adam(a.lr), loss, metrics=["accuracy"])
        cb = MagnitudePruning(s, frequency=a.frequency)
        t0 = time.time()
        m.fit(x, y, batch_size=128, epochs=a.epochs, shuffle=True, verbose=0, callbacks=[cb])
        seconds = time.time() - t0
        acc = float(m.evaluate(xt, yt, batch_size=512, verbose=0)[1])
        sparsity = {l.name: float(np.mean(l.kernel.numpy() == 0)) for l in m.layers if hasattr(l, "kernel")}
        out["pruned"].append({"sparsity": s, "accuracy": acc, "seconds": seconds, "kernel_sparsity": sparsity})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
