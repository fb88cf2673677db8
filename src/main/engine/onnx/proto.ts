/**
 * The ONNX protobuf classes (static protobufjs code from the `onnx-proto` package) and the
 * element types the engine uses. `onnx-proto` is CommonJS without named ESM exports, so Node's
 * ESM loader only offers its default export; this file is the one place that knows that.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
/** The message interfaces (onnx.INodeProto, ...), for type positions. */
export type { onnx as OnnxProto } from 'onnx-proto';

/**
 * Element types of graph values, named as onnxruntime names its tensor types. float16 values
 * travel as their bit patterns in a Uint16Array; int8/uint8/int32 serve the integer products of
 * the quick (int8) analysis path.
 */
export type ElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export const ONNX_DATA_TYPE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The typed array that holds each element type's data (fp16 as its bit patterns). */
export type ElementData = Float32Array | BigInt64Array | Uint8Array | Int8Array | Int32Array | Uint16Array;
