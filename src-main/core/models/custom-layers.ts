/**
 * Every custom layer class a stored model may contain, registered for deserialization. Whatever rebuilds models
 * from JSON (artifact decoding, training replicas in worker threads) imports this module first.
 */
import './winners-take-all.js';
import './dynamic-fake-quant.js';
import './slice-steps.js';
import './onnx/onnx-layers.js';
import './onnx/onnx-runtime-layer.js';
