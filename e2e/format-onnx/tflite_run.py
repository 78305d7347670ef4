"""Run a .tflite model in TensorFlow's TFLite interpreter on an input (.npy); print the first output as JSON."""
import json
import sys

import numpy as np
import tensorflow as tf

interpreter = tf.lite.Interpreter(model_path=sys.argv[1])
x = np.load(sys.argv[2])
inp = interpreter.get_input_details()[0]
interpreter.resize_tensor_input(inp["index"], x.shape)
interpreter.allocate_tensors()
interpreter.set_tensor(inp["index"], x.astype(inp["dtype"]))
interpreter.invoke()
out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
print(json.dumps({"shape": list(out.shape), "data": out.ravel().tolist()}))
