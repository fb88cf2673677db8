/**
 * A small builder for ONNX graphs written in TypeScript: declare inputs, add nodes (each call
 * returns the names of its outputs, so graphs read like the equations they compute), declare
 * outputs, then serialise to a ModelProto.
 *
 * Large initializers are stored as in-memory external data: the protobuf only records where
 * the bytes are, and the bytes themselves (views of the caller's typed arrays, not copied here)
 * are handed to onnxruntime through `sessionOptions.externalData`. That keeps the protobuf
 * tiny and sidesteps its 2 GB limit, so graphs can carry several GB of weights. onnxruntime
 * does copy them into its own buffers when the session opens (measured: 2.25 GB in ~10 s, RSS
 * +2.2 GB), which is why the forward engine feeds weights as inputs instead.
 *
 * Precision: a graph computes in fp32 unless built with `{ compute: 'float16' }` (the WebGPU
 * engines on adapters with shader-f16). Graph code then writes `g.float` for activation types,
 * `g.weight` for weight inputs, and marks the parts that must stay fp32 (norm statistics,
 * softmax, log-softmax, losses) with `toFloat32` ... `toCompute`; in an fp32 graph all of these
 * are the plain fp32 graph, node for node. Weights may also be fed as fp16 to an fp32 graph
 * (`{ weights: 'float16' }`): each is widened in the graph where it is used.
 */
import { toHalfArray } from './half.js';
import { onnx, ONNX_DATA_TYPE, type ElementData, type ElementType, type OnnxProto } from './proto.js';

/** A dimension: a fixed size, or a name for a size chosen at run time (batch, sequence). */
export type Dim = number | string;

/**
 * Node attribute values. A JS number is an INT: numbers cannot tell 1 from 1.0, so float
 * attributes say so explicitly with `{ float: x }`.
 */
export type AttributeValue = number | readonly number[] | string | { float: number };

/** A serialised model plus the in-memory files its external initializers point into. */
export interface BuiltModel {
  bytes: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
}

export type FloatType = 'float32' | 'float16';

/** The float types of a graph: what it computes in, and how its weight inputs are fed. */
export interface GraphPrecision {
  compute: FloatType;
  weights: FloatType;
}

export const FP32: GraphPrecision = { compute: 'float32', weights: 'float32' };

/** Initializers at least this large go to external data; smaller ones stay inline. */
const EXTERNAL_DATA_MIN_BYTES = 64 * 1024;

/** IR version 10 came with opset 21 (the default); onnxruntime 1.30 accepts it up to opset 26. */
const IR_VERSION = 10;

export class GraphBuilder {
  private readonly nodes: OnnxProto.INodeProto[] = [];
  private readonly inputs: OnnxProto.IValueInfoProto[] = [];
  private readonly outputs: OnnxProto.IValueInfoProto[] = [];
  private readonly initializers: OnnxProto.ITensorProto[] = [];
  private readonly externalData: { path: string; data: Uint8Array }[] = [];
  private readonly names = new Set<string>();
  /** Operator sets besides ONNX's own that nodes use (version 1 each). */
  private readonly domains = new Set<string>();
  private counter = 0;

  constructor(
    private readonly name: string,
    private readonly opset = 21,
    readonly precision: GraphPrecision = FP32,
  ) {}

  /** The element type activations are computed in. */
  get float(): FloatType {
    return this.precision.compute;
  }

  /** A graph input; string dims are dynamic (named) sizes. */
  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /**
   * A named constant tensor (weights); large data is referenced, not copied. `type` is read from
   * the array unless given (a Uint8Array is bool unless told 'uint8', a Uint16Array float16).
   */
  initializer(name: string, data: ElementData, dims: readonly number[], type: ElementType = elementTypeOf(data)): string {
    this.claim(name);
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new Error(`initializer ${name}: ${data.length} elements for shape [${dims.join(', ')}]`);
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const tensor: OnnxProto.ITensorProto = { name, dims: [...dims], dataType: ONNX_DATA_TYPE[type] };
    if (bytes.byteLength >= EXTERNAL_DATA_MIN_BYTES) {
      const path = `external-${this.externalData.length}.bin`;
      this.externalData.push({ path, data: bytes });
      tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      tensor.externalData = [
        { key: 'location', value: path },
        { key: 'offset', value: '0' },
        { key: 'length', value: String(bytes.byteLength) },
      ];
    } else {
      tensor.rawData = bytes;
    }
    this.initializers.push(tensor);
    return name;
  }

  /** An anonymous constant in the compute type (a scalar when given one number). */
  constant(values: readonly number[] | number, dims: readonly number[] = typeof values === 'number' ? [] : [values.length]): string {
    const numbers = typeof values === 'number' ? [values] : values;
    return this.initializer(this.fresh('const'), this.float === 'float16' ? toHalfArray(numbers) : Float32Array.from(numbers), dims);
  }

  /** An anonymous float32 constant, for the parts that always run in fp32. */
  constantF32(values: readonly number[] | number, dims: readonly number[] = typeof values === 'number' ? [] : [values.length]): string {
    return this.initializer(this.fresh('const'), Float32Array.from(typeof values === 'number' ? [values] : values), dims);
  }

  /** A weight input, fed in the graph's weight type; returns it in the compute type. */
  weight(name: string, dims: readonly Dim[]): string {
    const fed = this.input(name, this.precision.weights, dims);
    return this.precision.weights === this.float ? fed : this.cast(fed, this.float);
  }

  /** x (in the compute type) as float32: the start of a part that must not run in fp16. */
  toFloat32(x: string): string {
    return this.float === 'float32' ? x : this.cast(x, 'float32');
  }

  /** A float32 value back in the compute type. */
  toCompute(x: string): string {
    return this.float === 'float32' ? x : this.cast(x, this.float);
  }

  /** An int64 constant, the type ONNX wants for shapes, axes and indices. */
  int64(values: readonly number[] | number, dims: readonly number[] = typeof values === 'number' ? [] : [values.length]): string {
    const data = BigInt64Array.from((typeof values === 'number' ? [values] : values).map(BigInt));
    return this.initializer(this.fresh('const'), data, dims);
  }

  /** A uint8 constant: the zero point of an integer product. */
  uint8(values: readonly number[] | number, dims: readonly number[] = typeof values === 'number' ? [] : [values.length]): string {
    const data = Uint8Array.from(typeof values === 'number' ? [values] : values);
    return this.initializer(this.fresh('const'), data, dims, 'uint8');
  }

  /** A node with one output; returns the output's name. '' marks an omitted optional input. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.ops(opType, inputs, 1, attributes)[0];
  }

  /** A node of an operator set other than ONNX's own (onnxruntime's 'com.microsoft' contrib ops). */
  domainOp(domain: string, opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    this.domains.add(domain);
    return this.ops(opType, inputs, 1, attributes, domain)[0];
  }

  /** A node with several outputs; returns their names in order. */
  ops(opType: string, inputs: readonly string[], outputCount: number, attributes: Record<string, AttributeValue> = {}, domain = ''): string[] {
    for (const input of inputs) {
      if (input !== '' && !this.names.has(input)) throw new Error(`${opType}: unknown input ${input}`);
    }
    const outputs = Array.from({ length: outputCount }, () => {
      const name = this.fresh(opType);
      this.claim(name);
      return name;
    });
    this.nodes.push({
      opType,
      ...(domain ? { domain } : {}),
      name: outputs[0],
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputs;
  }

  /** Declares `value` as the graph output `name` (via Identity when the names differ). */
  output(name: string, value: string, type: ElementType, dims: readonly Dim[]): void {
    if (name !== value) {
      this.claim(name);
      this.nodes.push({ opType: 'Identity', name, input: [value], output: [name] });
    }
    this.outputs.push(valueInfo(name, type, dims));
  }

  build(): BuiltModel {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'slayer-studio',
      opsetImport: [{ domain: '', version: this.opset }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
    return { bytes: onnx.ModelProto.encode(model).finish(), externalData: [...this.externalData] };
  }

  /** x as `to` (a Cast node). */
  cast(x: string, to: FloatType): string {
    return this.op('Cast', [x], { to: ONNX_DATA_TYPE[to] });
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate value name ${name}`);
    this.names.add(name);
  }

  /** An unused value name (not yet claimed). */
  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }
}

function elementTypeOf(data: ElementData): ElementType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Uint16Array) return 'float16';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint16Array) return 'float16';
  return 'bool';
}

function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): OnnxProto.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DATA_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): OnnxProto.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer; write { float: ${value} }`);
    return { name, type: Type.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: Type.STRING, s: new TextEncoder().encode(value) };
  if ('float' in value) return { name, type: Type.FLOAT, f: value.float };
  return { name, type: Type.INTS, ints: [...value] };
}
