"""The iris classifier of examples/prediction_service as an MLServer custom runtime: the same
weights file, served by MLServer (a reference Open Inference Protocol v2 server nobody here
wrote), so ml-test's e2e client is checked against it (see .ci/run)."""

import json
import os

import numpy as np
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse, ResponseOutput


class IrisModel(MLModel):
    async def load(self) -> bool:
        with open(os.environ["IRIS_WEIGHTS"]) as file:
            weights = json.load(file)
        self.weights = np.array(weights["weights"], dtype=np.float32)
        self.bias = np.array(weights["bias"], dtype=np.float32)
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        rows = NumpyCodec.decode_input(payload.inputs[0]).astype(np.float32)
        labels = np.argmax(rows @ self.weights.T + self.bias, axis=1).astype(np.int64)
        return InferenceResponse(
            model_name=self.name,
            id=payload.id,
            # Shape [N], as the model's metadata declares ([-1]); NumpyCodec would send [N, 1].
            outputs=[
                ResponseOutput(
                    name="output-0",
                    shape=[len(labels)],
                    datatype="INT64",
                    data=labels.tolist(),
                )
            ],
        )
