"""Sparsity of the weight tensors of a .tflite file, as TensorFlow's interpreter reads them.

usage: tflite_sparsity.py model.tflite M N
For every CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED weight (input 1) prints its name, shape,
fraction of zeros and whether it is m:n sparse along its last (input-channel, TFLite layout) axis
- the check of TFMOT's check_sparsity_m_by_n tool (is_pruned_m_by_n with last_channel='C_IN').
Output: one JSON line {"weights": [{"op", "name", "shape", "sparsity", "mn"}]}.
"""
import json
import sys

import numpy as np
import tensorflow as tf


def is_m_by_n(w, m, n):
    rows = w.reshape(-1, w.shape[-1])
    for c in range(0, rows.shape[1], n):
        if (np.count_nonzero(rows[:, c:c + n], axis=1) > n - m).any():
            return False
    return True


def main():
    path, m, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    it = tf.lite.Interpreter(model_path=path)
    it.allocate_tensors()
    details = {d["index"]: d for d in it.get_tensor_details()}
    out = []
    for op in it._get_ops_details():
        if op["op_name"] not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        idx = int(op["inputs"][1])
        w = it.get_tensor(idx)
        out.append({
            "op": op["op_name"],
            "name": details[idx]["name"],
            "shape": list(w.shape),
            "sparsity": float(np.mean(w == 0)),
            "mn": is_m_by_n(w, m, n),
        })
    print(json.dumps({"weights": out}))


if __name__ == "__main__":
    main()
