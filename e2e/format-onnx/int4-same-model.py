"""Compare two ONNX files up to value names (ONNX's own parser).

usage: int4-same-model.py a.onnx b.onnx → {"ops": same node op types and attributes in order,
"initializers": same initializers (type, dims, decoded values) in order, "int4Initializers": n}
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper

a, b = (onnx.load(p) for p in sys.argv[1:3])


def ops(m):
    return [(n.op_type, n.domain, [onnx.helper.get_attribute_value(x) for x in n.attribute]) for n in m.graph.node]


def inits(m):
    return [(t.data_type, list(t.dims), numpy_helper.to_array(t)) for t in m.graph.initializer]


ia, ib = inits(a), inits(b)
same_inits = len(ia) == len(ib) and all(
    x[0] == y[0] and x[1] == y[1] and np.array_equal(x[2], y[2]) for x, y in zip(ia, ib)
)
int4 = sum(1 for t in a.graph.initializer if t.data_type == onnx.TensorProto.INT4)
print(json.dumps({"ops": ops(a) == ops(b), "initializers": same_inits, "int4Initializers": int4}))
