"""Compare two deployment trees leaf by leaf in TF's interpreter (one TensorFlow start-up).

argv: dirA dirB images.f32 labels.u8 count leaf [leaf …]
Prints JSON: {leaf: compare_tflite.compare(dirA/leaf.tflite, dirB/leaf.tflite)}.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_tflite import compare, load_digits  # noqa: E402

dir_a, dir_b, images, labels, count = sys.argv[1:6]
x, y = load_digits(images, labels, int(count))
print(
    json.dumps(
        {
            leaf: compare(
                os.path.join(dir_a, f"{leaf}.tflite"), os.path.join(dir_b, f"{leaf}.tflite"), x, y
            )
            for leaf in sys.argv[6:]
        }
    )
)
