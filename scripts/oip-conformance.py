"""Checks the example model server with a client nobody here wrote: Triton's HTTP client
(tritonclient), which speaks the Open Inference Protocol v2 REST API.

Usage: python scripts/oip-conformance.py http://127.0.0.1:8080
"""

import sys

import numpy as np
import tritonclient.http as http
from tritonclient.utils import InferenceServerException

url = sys.argv[1].removeprefix("http://").rstrip("/")
client = http.InferenceServerClient(url=url)

assert client.is_server_live(), "not live"
assert client.is_server_ready(), "not ready"
assert client.is_model_ready("iris"), "iris not ready"
assert not client.is_model_ready("no-such-model"), "an unknown model is ready"

metadata = client.get_model_metadata("iris")
assert metadata["name"] == "iris", metadata
assert metadata["inputs"][0]["datatype"] == "FP32", metadata
assert metadata["outputs"][0]["datatype"] == "INT64", metadata

flowers = np.array(
    [[5.1, 3.5, 1.4, 0.2], [5.9, 3.0, 4.2, 1.5], [6.7, 3.0, 5.2, 2.3]], dtype=np.float32
)
inputs = [http.InferInput("input-0", list(flowers.shape), "FP32")]
inputs[0].set_data_from_numpy(flowers, binary_data=False)
outputs = [http.InferRequestedOutput("output-0", binary_data=False)]
result = client.infer("iris", inputs, outputs=outputs, request_id="conformance-1")
labels = result.as_numpy("output-0")
assert labels.tolist() == [0, 1, 2], labels
assert result.get_response()["id"] == "conformance-1", result.get_response()

# A wrong shape is refused with a 400 and the reason.
bad = [http.InferInput("input-0", [1, 3], "FP32")]
bad[0].set_data_from_numpy(np.zeros((1, 3), dtype=np.float32), binary_data=False)
try:
    client.infer("iris", bad)
    raise AssertionError("a [1, 3] input was accepted")
except InferenceServerException as error:
    assert error.status() == "400", error.status()
    assert "shape" in error.message(), error.message()

# Server metadata: GET /v2.
server = client.get_server_metadata()
assert server["name"] == "ml-test-example-model-server", server
assert "binary_tensor_data" in server["extensions"], server

# The binary tensor data extension, the client's default: binary in, binary out.
inputs = [http.InferInput("input-0", list(flowers.shape), "FP32")]
inputs[0].set_data_from_numpy(flowers)
result = client.infer("iris", inputs)
labels = result.as_numpy("output-0")
assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 2], labels

# A refused binary request: the client reports the server's reason, not a decoding error.
bad = [http.InferInput("input-0", [1, 3], "FP32")]
bad[0].set_data_from_numpy(np.zeros((1, 3), dtype=np.float32))
try:
    client.infer("iris", bad)
    raise AssertionError("a binary [1, 3] input was accepted")
except InferenceServerException as error:
    assert error.status() == "400", error.status()
    assert error.message().startswith("input `input-0` has shape [-1, 4]"), error.message()

print(
    "tritonclient conformance: live, ready, server and model metadata, JSON and binary "
    "inference, a refused JSON and a refused binary request, all as expected"
)
