"""Peer of the image pipeline benchmark: Keras image_dataset_from_directory (TF 2.21) decoding and
resizing the same folder to the same size, crop mode, batch 64; prints images/s per repetition as
JSON. Run by run.ts with the oracle venv."""
import json
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

cfg = json.loads(sys.argv[1])
rates = []
cpu_rates = []


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


for _ in range(cfg["reps"]):
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    ds = tf.keras.utils.image_dataset_from_directory(
        cfg["folder"],
        image_size=(cfg["size"], cfg["size"]),
        crop_to_aspect_ratio=True,
        batch_size=cfg["batch"],
        shuffle=False,
        verbose=False,
    ).map(lambda x, y: (x / 255.0, y))
    n = 0
    for x, _ in ds:
        n += int(x.shape[0])
    rates.append(n / (time.perf_counter() - t0))
    cpu_rates.append(n / (cpu_seconds() - c0))
print(json.dumps({"rates": rates, "cpuRates": cpu_rates}))
