"""Time Keras training of a TF.js Layers model (Keras 3 topology in model.json, float32 weights in
its manifest's files) for EPOCHS epochs over the Fashion-MNIST training set in DATA_DIR (gunzipped
MNIST idx files), batch BATCH, Adam: the work `collabopt tree` does in its fine-tuning passes.

usage: keras_epochs.py MODEL_JSON DATA_DIR EPOCHS BATCH
prints one JSON line: {"fit_seconds": …, "samples": …, "epochs": …, "batch": …}
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

model_json, data_dir, epochs, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
keras.utils.set_random_seed(0)


def idx(name):
    raw = open(os.path.join(data_dir, name), "rb").read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


doc = json.load(open(model_json))
model = keras.models.model_from_json(json.dumps(doc["modelTopology"]))
folder = os.path.dirname(model_json)
blob = b"".join(
    open(os.path.join(folder, p), "rb").read() for g in doc["weightsManifest"] for p in g["paths"]
)
specs = [w for g in doc["weightsManifest"] for w in g["weights"]]
by_name, offset = {}, 0
for s in specs:
    n = int(np.prod(s["shape"])) if s["shape"] else 1
    by_name[s["name"]] = np.frombuffer(blob, np.float32, n, offset).reshape(s["shape"])
    offset += 4 * n
model.set_weights([by_name[v.path] for v in model.weights])

x = idx("train-images-idx3-ubyte").astype(np.float32)[..., None] / 255.0
y = idx("train-labels-idx1-ubyte").astype(np.int32)
model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
model.fit(x[:batch], y[:batch], batch_size=batch, epochs=1, verbose=0)  # build and trace once
start = time.perf_counter()
model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
seconds = time.perf_counter() - start
print(json.dumps({"fit_seconds": seconds, "samples": int(x.shape[0]), "epochs": epochs, "batch": batch}))
